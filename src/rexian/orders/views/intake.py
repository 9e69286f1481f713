"""受理: the agent's intake screen and the caller-history lookup beside it."""

from django.contrib import messages
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rexian.core.masking import normalize_phone
from rexian.knowledge.models import Article
from rexian.knowledge.services import answer_with_article
from rexian.routing.duplicates import similar_open_orders
from rexian.orders import privacy, queues
from rexian.orders.intake_forms import IntakeForm
from rexian.orders.models import WorkOrder
from rexian.orders.services import intake as intake_service
from rexian.orders.services import workflow
from rexian.orders.services.errors import InvalidInput
from rexian.orders.views.base import INTAKE_ROLES, role_required, show_errors

# Alt+<key> jumps to a field; letters chosen to avoid the browsers' own Alt menus (F, E, D).
ACCESS_KEYS = {
    "phone": "p", "name": "n", "order_type": "t", "category": "c", "title": "b", "content": "r", "address": "a",
}
HISTORY_LIMIT = 20


def _keyboard_ready(form: IntakeForm) -> IntakeForm:
    form.fields["phone"].widget.attrs.update(autofocus=True, autocomplete="off", inputmode="tel")
    for name, key in ACCESS_KEYS.items():
        form.fields[name].widget.attrs["accesskey"] = key
    queues.prepare_choices(form)
    return form


@role_required(*INTAKE_ROLES)
def intake(request):
    # Offered only to those who may dispatch, by the workflow's own definition of who that is.
    can_dispatch = request.user.has_role(*workflow.ACTIONS["dispatch"].roles)
    if request.method == "POST":
        form = IntakeForm(data=request.POST)
        article = None
        try:
            # Checked before anything is registered: an answer the agent chose and did not
            # give must not turn silently into a registered, unanswered order.
            article = _article_to_answer_with(request)
            with transaction.atomic():
                order = intake_service.register(request.user, request.POST)
                if article is not None:
                    order = answer_with_article(order, article, request.user, request.POST.get("answer_content", "").strip())
        except InvalidInput as error:
            show_errors(form, error)
            messages.error(request, error.message)
        else:
            if article is not None:
                messages.success(request, _("工单 %(n)s 已受理，并引用知识“%(t)s”直接答复。") % {"n": order.number, "t": article.title})
                return redirect("orders:detail", order.number)
            messages.success(request, _("工单 %(n)s 已受理。") % {"n": order.number})
            url = reverse("orders:detail", args=[order.number])
            return redirect(url + "#act-dispatch" if can_dispatch and request.POST.get("then") == "dispatch" else url)
    else:
        form = IntakeForm(initial={"phone": request.GET.get("phone", "")})
    return render(request, "orders/intake.html", {"form": _keyboard_ready(form), "can_dispatch": can_dispatch})


def _article_to_answer_with(request) -> Article | None:
    """The knowledge article the agent chose to answer with (直接答复), if any.

    Raises InvalidInput when the choice cannot be honoured, typically an article
    withdrawn or expired since it was suggested.
    """
    raw = request.POST.get("answer_article", "").strip()
    if not raw:
        return None
    article = Article.objects.filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() else None
    if article is None:
        raise InvalidInput(_("所选的答复知识不存在，工单未受理：请重新选择知识答复，或不引用知识直接保存受理。"))
    if not article.is_current():
        raise InvalidInput(
            _("所选知识“%(t)s”已撤回或失效，不再是现行口径，工单未受理：请另选一条现行知识答复，或不引用知识直接保存受理。")
            % {"t": article.title},
        )
    return article


@require_GET
@role_required(*INTAKE_ROLES)
def similar_orders(request):
    """Open orders from other callers that look like the same problem (并单 candidates)."""
    text = " ".join(request.GET.get(key, "")[:2000] for key in ("title", "content", "address"))
    phone = normalize_phone(request.GET.get("phone", ""))
    matches = similar_open_orders(request.user, text, request.GET.get("area_code", ""), exclude_phone=phone)
    return JsonResponse({"orders": [{**_history_row(order), "score": round(score, 3)} for order, score in matches]})


@require_GET
@role_required(*INTAKE_ROLES)
def caller_history(request):
    """The caller's earlier orders as JSON, for the panel beside the intake form."""
    phone = normalize_phone(request.GET.get("phone", ""))
    orders = []
    if len(phone) >= 5:
        visible = WorkOrder.objects.visible_to(request.user)
        orders = list((intake_service.orders_of_caller(phone) & visible)[:HISTORY_LIMIT])
    return JsonResponse(
        {
            "phone": phone,
            "name": privacy.citizen_view(orders[0], request.user).name if orders else "",
            "open_count": sum(order.is_open for order in orders),
            "orders": [_history_row(order) for order in orders],
        }
    )


def _history_row(order: WorkOrder) -> dict:
    return {
        "number": order.number,
        "title": order.title,
        "type": order.get_order_type_display(),
        "state": order.state,
        "state_label": order.get_state_display(),
        "open": order.is_open,
        "unit": order.current_unit.name if order.current_unit else "",
        "created_at": timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M"),
        "url": reverse("orders:detail", args=[order.number]),
    }
