"""The article lifecycle (草稿 → 待审核 → 已发布 → 已失效/已撤回), versions and use.

Every step is locked, versioned where the content changes, logged as an
ArticleEvent, and keeps the search index in step, all in one transaction.
"""

import difflib
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rexian.accounts.roles import Role
from rexian.knowledge.choices import ArticleStatus, UsageKind
from rexian.knowledge.forms import ArticleForm
from rexian.knowledge.index import locked_stats, reindex
from rexian.knowledge.models import Article, ArticleEvent, ArticleUsage, ArticleVersion
from rexian.metrics.kpis import compute
from rexian.orders.services.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed

EDITORS = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.DEPARTMENT, Role.REVIEWER)
PUBLISHERS = (Role.SUPERVISOR, Role.REVIEWER)

# action: (from states, to state, roles)
TRANSITIONS = {
    "submit": ({ArticleStatus.DRAFT}, ArticleStatus.REVIEW, EDITORS),
    "publish": ({ArticleStatus.REVIEW}, ArticleStatus.PUBLISHED, PUBLISHERS),
    "reject": ({ArticleStatus.REVIEW}, ArticleStatus.DRAFT, PUBLISHERS),
    "withdraw": ({ArticleStatus.PUBLISHED}, ArticleStatus.WITHDRAWN, PUBLISHERS),
    "revise": ({ArticleStatus.PUBLISHED, ArticleStatus.WITHDRAWN, ArticleStatus.EXPIRED}, ArticleStatus.DRAFT, EDITORS),
}
ACTION_LABELS = {
    "submit": gettext_lazy("提交审核"), "publish": gettext_lazy("审核发布"), "reject": gettext_lazy("退回修改"),
    "withdraw": gettext_lazy("撤回"), "revise": gettext_lazy("修订"),
}
VERSIONED_FIELDS = ["kind", "source", "issuing_body", "document_number", "effective_from", "expires_on", "visibility", "tags"]


def may_edit(article: Article | None, user) -> bool:
    if not user.has_role(*EDITORS):
        return False
    if user.role == Role.DEPARTMENT:
        # Units keep their own duties and guides; the centre keeps the rest.
        return article is None or article.department_id == user.department_id
    return True


def _validated(user, data: dict, instance=None) -> ArticleForm:
    form = ArticleForm(data=data, instance=instance)
    if not form.is_valid():
        errors = {key: [str(m) for m in messages] for key, messages in form.errors.items()}
        raise InvalidInput(_("知识内容有误，请按提示修改。"), errors)
    if user.role == Role.DEPARTMENT and form.cleaned_data.get("department") != user.department:
        raise NotAllowed(_("承办单位只能维护本单位的知识。"))
    return form


def _snapshot(article: Article, user, note: str) -> ArticleVersion:
    fields = {name: str(getattr(article, name) or "") for name in VERSIONED_FIELDS}
    fields["categories"] = sorted(article.categories.values_list("code", flat=True))
    fields["department"] = article.department.code if article.department_id else ""
    return ArticleVersion.objects.create(
        article=article, number=article.version, title=article.title, body=article.body, fields=fields, author=user, note=note
    )


def _event(article, action, from_status, user, note=""):
    ArticleEvent.objects.create(
        article=article, action=action, from_status=from_status, to_status=article.status, actor=user, note=note[:300]
    )


def create(user, data: dict, note: str = "") -> Article:
    if not may_edit(None, user):
        raise NotAllowed(_("您的角色不能编写知识。"))
    form = _validated(user, data)
    with transaction.atomic():
        article = form.save(commit=False)
        article.created_by = user
        article.save()
        form.save_m2m()
        _snapshot(article, user, note or _("新建"))
        _event(article, "create", "", user)
    return article


def form_values(article: Article) -> dict:
    """The article as ArticleForm data: what a partial update starts from."""
    return {
        **{name: getattr(article, name) for name in ("kind", "title", "body", "source", "issuing_body",
                                                    "document_number", "visibility", "tags")},
        "effective_from": article.effective_from or "",
        "expires_on": article.expires_on or "",
        "categories": [c.code for c in article.categories.all()],
        "department": article.department.code if article.department_id else "",
    }


def update(
    article: Article, user, data: dict, note: str = "", expected_version: int | None = None, partial: bool = False
) -> Article:
    """Edit a draft or an article in review: a new version, kept for comparison.

    `partial` changes only the fields in `data`, the rest read under the lock
    (so a concurrent edit of another field is kept); `expected_version` is the
    version the client last saw, refused with Conflict if someone saved since.
    """
    if not may_edit(article, user):
        raise NotAllowed(_("您不能修改这条知识。"))
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(
                _("知识 %(id)s 已被他人修改（当前第 %(v)d 版），请刷新后再修改。") % {"id": locked.pk, "v": locked.version},
                state=locked.status, version=locked.version,
            )
        if locked.status not in (ArticleStatus.DRAFT, ArticleStatus.REVIEW):
            raise InvalidTransition(
                _("“%(s)s”的知识不能直接修改，请先“修订”。") % {"s": locked.get_status_display()},
                state=locked.status, allowed=["revise"],
            )
        if partial:
            data = {**form_values(locked), **data}
        form = _validated(user, data, instance=locked)
        article = form.save(commit=False)
        article.version = F("version") + 1
        article.updated_at = timezone.now()
        article.save()
        form.save_m2m()
        article.refresh_from_db()
        _snapshot(article, user, note)
        _event(article, "edit", article.status, user, note)
    return article


def transition(article: Article, action: str, user, note: str = "") -> Article:
    if action not in TRANSITIONS:
        raise InvalidInput(_("没有名为“%(a)s”的知识操作。") % {"a": action})
    sources, target, roles = TRANSITIONS[action]
    allowed_editor = action not in ("submit", "revise") or may_edit(article, user)
    if not (user.has_role(*roles) and allowed_editor):
        raise NotAllowed(_("您不能对这条知识执行“%(a)s”。") % {"a": ACTION_LABELS[action]})
    with transaction.atomic():
        locked_stats()  # the index's lock before the article's (see there)
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if locked.status not in sources:
            raise InvalidTransition(
                _("知识状态为“%(s)s”，不能执行“%(a)s”。") % {"s": locked.get_status_display(), "a": ACTION_LABELS[action]},
                state=locked.status, allowed=allowed_actions(locked, user),
            )
        if action == "reject" and not note:
            raise InvalidInput(_("退回修改时请写明意见。"), {"note": [_("必填")]})
        before = locked.status
        locked.status, locked.updated_at = target, timezone.now()
        if target == ArticleStatus.PUBLISHED:
            locked.published_at = locked.updated_at
        locked.save(update_fields=["status", "updated_at", "published_at"])
        _event(locked, action, before, user, note)
        reindex(locked)
    return locked


def allowed_actions(article: Article, user) -> list[str]:
    return [
        action
        for action, (sources, _target, roles) in TRANSITIONS.items()
        if article.status in sources and user.has_role(*roles)
        and (action not in ("submit", "revise") or may_edit(article, user))
    ]


def expire_due(today=None) -> int:
    """Mark published articles past their expiry date as expired (run by the worker)."""
    today = today or timezone.localdate()
    due = Article.objects.filter(status=ArticleStatus.PUBLISHED, expires_on__lt=today)
    count = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            locked_stats()  # the index's lock before the article's (see there)
            # Checked again under the lock: an editor may have revised or withdrawn it meanwhile.
            article = due.select_for_update().filter(pk=pk).first()
            if article is None:
                continue
            article.status, article.updated_at = ArticleStatus.EXPIRED, timezone.now()
            article.save(update_fields=["status", "updated_at"])
            _event(article, "expire", ArticleStatus.PUBLISHED, None, _("超过失效日期"))
            reindex(article)
        count += 1
    return count


def staff_list(kind: str = "", status: str = "", query: str = "", department=None, category=None):
    """Every article for staff, newest change first; the words of `query` must all appear
    in the title or body, in any status (the ranked search covers only what is published).
    `department` and `category` include their sub-units and sub-categories."""
    articles = Article.objects.select_related("department").order_by("-updated_at", "-pk")
    if kind:
        articles = articles.filter(kind=kind)
    if status:
        articles = articles.filter(status=status)
    for word in query.strip()[:200].split():
        articles = articles.filter(Q(title__icontains=word) | Q(body__icontains=word))
    if department is not None:
        articles = articles.filter(department__path__startswith=department.path)
    if category is not None:
        # A subquery, not a join: an article in two matching categories is listed once.
        linked = Article.categories.through.objects.filter(category__path__startswith=category.path)
        articles = articles.filter(pk__in=linked.values("article_id"))
    return articles


def version_pair(article: Article, old: int, new: int) -> tuple[ArticleVersion, ArticleVersion] | None:
    """Versions `old` and `new` of the article, or None when either does not exist."""
    versions = {v.number: v for v in article.versions.select_related("author").filter(number__in=[old, new])}
    if old not in versions or new not in versions:
        return None
    return versions[old], versions[new]


def review_report(today=None) -> dict:
    """For supervisors: current articles to look at again (old, expiring, marked unhelpful,
    50 of each) and the 直接答复率 of the last 30 days."""
    today = today or timezone.localdate()
    stale_days = settings.REXIAN["KNOWLEDGE_STALE_DAYS"]
    stale_before = timezone.now() - timedelta(days=stale_days)
    current = Article.objects.current(today).select_related("department")
    return {
        "old": current.filter(updated_at__lt=stale_before).order_by("updated_at")[:50],
        "expiring": current.filter(expires_on__lte=today + timedelta(days=30)).order_by("expires_on")[:50],
        "unhelpful": current.filter(not_helpful_count__gt=0).order_by("-not_helpful_count")[:50],
        "direct_answer_rate": compute(today - timedelta(days=29), today)[0].as_dict()["direct_answer_rate"],
        "stale_days": stale_days,
    }


def diff(old: ArticleVersion, new: ArticleVersion) -> list[tuple[str, str]]:
    """Line diff between two versions: ("+"|"-"|" ", line) pairs for display."""

    def lines(version):
        meta = [f"{key}: {value}" for key, value in sorted(version.fields.items())]
        return [f"标题: {version.title}", *meta, "", *version.body.splitlines()]

    out = []
    for line in difflib.unified_diff(lines(old), lines(new), lineterm="", n=3):
        if line.startswith(("---", "+++", "@@")):
            continue
        out.append((line[:1], line[1:]))
    return out


def record_usage(article: Article, user, kind: str, order=None, query: str = "") -> bool:
    """Log a use and count it on the article; False when it was not counted.

    "Did not help" counts once per user, article and day: the button is
    pressed without an order, and repeated clicks (or a retried request) are
    one judgement, not several; the same user meeting the article on another
    day judges it again.
    """
    counter = {UsageKind.USED: "used_count", UsageKind.NOT_HELPFUL: "not_helpful_count"}.get(kind)
    with transaction.atomic():
        if kind == UsageKind.NOT_HELPFUL:
            # The article's lock makes two clicks at the same moment count once.
            Article.objects.select_for_update().only("id").get(pk=article.pk)
            today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
            if ArticleUsage.objects.filter(article=article, user=user, kind=kind, created_at__gte=today).exists():
                return False
        ArticleUsage.objects.create(article=article, user=user, kind=kind, order=order, query=query[:200])
        if counter:
            Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return True


def answer_with_article(order, article: Article, user, content: str = ""):
    """直接答复 citing a current article, with the article's use recorded, in one transaction."""
    from rexian.orders.services.workflow import perform

    if not article.is_current():
        raise InvalidInput(_("这条知识未发布或已失效，不能用于答复。"), {"article": [_("不是现行知识")]})
    with transaction.atomic():
        order = perform(
            order, "direct_answer", user,
            {"content": content or article.body[:2000], "reference": f"知识#{article.pk} {article.title}"[:200]},
        )
        record_usage(article, user, UsageKind.USED, order=order)
    return order
