"""The search dictionary (领域词, 同义词) for admins, as in the admin (knowledge/admin.py).

Saves and deletes go through the models, so the index rebuild hooked on their
signals (`index.rebuild_after_commit`) runs once the request's change commits,
exactly as for the admin; each change is audited like AuditedAdmin's.
"""

from django.db import transaction
from django.forms import modelform_factory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Body, Router, Schema
from ninja.responses import Status

from rexian.accounts.roles import Role
from rexian.api.errors import ApiError
from rexian.api.schemas import form_data, form_schema, parse
from rexian.core.audit import AuditAction, record
from rexian.knowledge.models import DomainTerm, Synonym
from rexian.orders.services.errors import InvalidInput

router = Router(tags=["knowledge-dictionary"])


class TermOut(Schema):
    id: int
    word: str


class SynonymOut(Schema):
    id: int
    variant: str
    canonical: str


def _require_admin(user) -> None:
    if not user.has_role(Role.ADMIN):
        raise ApiError(403, "forbidden", _("只有管理员可以维护检索词典。"))


def _endpoints(model, path: str, fields: list[str], out: type[Schema], label: str) -> None:
    """GET (all, alphabetical), POST and DELETE for one dictionary model."""
    form_class = modelform_factory(model, fields=fields)
    schema = form_schema(form_class, f"{model.__name__}In")
    ordering = fields[0]

    def values(obj) -> dict:
        return {"id": obj.pk, **{name: getattr(obj, name) for name in fields}}

    @router.get(path, response=list[out], summary=f"{label}列表", operation_id=f"list_{model._meta.model_name}")
    def list_entries(request):
        _require_admin(request.user)
        return [values(obj) for obj in model.objects.order_by(ordering)]

    @router.post(path, response={201: out}, summary=f"新增{label}（保存后自动重建检索索引）",
                 operation_id=f"create_{model._meta.model_name}")
    def create_entry(request, payload: dict = Body(...)):
        _require_admin(request.user)
        form = form_class(data=form_data(parse(schema, payload)))
        if not form.is_valid():
            errors = {key: [str(m) for m in messages] for key, messages in form.errors.items()}
            raise InvalidInput(_("%(label)s有误，请按提示修改。") % {"label": label}, errors)
        with transaction.atomic():
            obj = form.save()
            record(request.user, AuditAction.CHANGE, obj, summary=f"API 新建{label} {obj}", request=request, via="api")
        return Status(201, values(obj))

    @router.delete(f"{path}/{{int:entry_id}}", response={204: None}, summary=f"删除{label}（删除后自动重建检索索引）",
                   operation_id=f"delete_{model._meta.model_name}")
    def delete_entry(request, entry_id: int):
        _require_admin(request.user)
        obj = model.objects.filter(pk=entry_id).first() if entry_id < 2**63 else None
        if obj is None:
            raise ApiError(404, "not_found", _("%(label)s %(id)s 不存在。") % {"label": label, "id": entry_id})
        with transaction.atomic():
            record(request.user, AuditAction.DELETE, obj, summary=f"API 删除{label} {obj}", request=request, via="api")
            obj.delete()
        return Status(204, None)


_endpoints(DomainTerm, "/knowledge/dictionary/terms", ["word"], TermOut, gettext_lazy("领域词"))
_endpoints(Synonym, "/knowledge/dictionary/synonyms", ["variant", "canonical"], SynonymOut, gettext_lazy("同义词"))
