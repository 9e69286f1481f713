"""The article lifecycle (草稿 → 待审核 → 已发布 → 已失效/已撤回), revisions, versions and use.

Every step is locked, versioned where the content changes, logged as an
ArticleEvent, and keeps the search index in step, all in one transaction.

An article that is (or was) in service is never edited in place: its changes
go into one open ArticleRevision, drafted and reviewed on its own, while the
live content stays current and searchable until the revision is published.
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
from rexian.knowledge.choices import REVISABLE, ArticleStatus, RevisionStatus, UsageKind
from rexian.knowledge.forms import ArticleForm
from rexian.knowledge.index import locked_stats, reindex
from rexian.knowledge.models import Article, ArticleEvent, ArticleRevision, ArticleUsage, ArticleVersion
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
}
# The open revision of a published, expired or withdrawn article: action: (from states, to state, roles).
# None is "no open revision": "revise" opens one.
REVISION_TRANSITIONS = {
    "revise": ({None}, RevisionStatus.DRAFT, EDITORS),
    "submit_revision": ({RevisionStatus.DRAFT}, RevisionStatus.REVIEW, EDITORS),
    "publish_revision": ({RevisionStatus.REVIEW}, RevisionStatus.PUBLISHED, PUBLISHERS),
    "reject_revision": ({RevisionStatus.REVIEW}, RevisionStatus.DRAFT, PUBLISHERS),
    "discard_revision": ({RevisionStatus.DRAFT, RevisionStatus.REVIEW}, RevisionStatus.DISCARDED, EDITORS),
}
# Actions that also need the right to edit this article (department staff: their own unit's).
EDITOR_ACTIONS = {"submit", "revise", "submit_revision", "discard_revision"}
ACTION_LABELS = {
    "submit": gettext_lazy("提交审核"), "publish": gettext_lazy("审核发布"), "reject": gettext_lazy("退回修改"),
    "withdraw": gettext_lazy("撤回"), "revise": gettext_lazy("修订"), "submit_revision": gettext_lazy("提交修订审核"),
    "publish_revision": gettext_lazy("审核发布修订"), "reject_revision": gettext_lazy("退回修订"),
    "discard_revision": gettext_lazy("放弃修订"),
}
VERSIONED_FIELDS = ["kind", "source", "issuing_body", "document_number", "effective_from", "expires_on", "visibility", "tags"]
# ArticleVersion.number is a PositiveIntegerField: a 32-bit column on every database.
MAX_VERSION = 2**31 - 1
TEXT_FIELDS = ("kind", "title", "body", "source", "issuing_body", "document_number", "visibility", "tags")


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


def _as_version(values: dict, number: int, **extra) -> ArticleVersion:
    """Content in `form_values` shape as an (unsaved) ArticleVersion, to keep or to compare."""
    fields = {name: values.get(name) or "" for name in VERSIONED_FIELDS}
    fields["categories"] = sorted(values.get("categories") or [])
    fields["department"] = values.get("department") or ""
    return ArticleVersion(number=number, title=values["title"], body=values["body"], fields=fields, **extra)


def _snapshot(article: Article, user, note: str) -> ArticleVersion:
    version = _as_version(form_values(article), article.version, article=article, author=user, note=note)
    version.save()
    return version


def _event(article, action, from_status, user, note="", revision=None):
    """Log a step and raise the article's change counter (`Article.changes`, its ETag).

    Every step that changes the article or its revision comes through here, with
    the article's lock held (or the article just created), so the counter never
    repeats a value: an ETag a client holds names one state only.
    """
    ArticleEvent.objects.create(
        article=article, action=action, from_status=from_status, to_status=article.status, actor=user, note=note[:300],
        revision=revision,
    )
    Article.objects.filter(pk=article.pk).update(changes=F("changes") + 1)
    article.changes = Article.objects.filter(pk=article.pk).values_list("changes", flat=True).get()


STALE = gettext_lazy("知识 %(id)s 已被他人修改，请刷新后再操作。")


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
    """The article as ArticleForm data (JSON-ready): what a partial update and a revision start from."""
    return {
        **{name: getattr(article, name) for name in TEXT_FIELDS},
        "effective_from": article.effective_from.isoformat() if article.effective_from else "",
        "expires_on": article.expires_on.isoformat() if article.expires_on else "",
        "categories": sorted(c.code for c in article.categories.all()),
        "department": article.department.code if article.department_id else "",
    }


def content_to_edit(article: Article) -> dict:
    """What an edit of the article starts from: its open revision's content, else its own."""
    revision = open_revision(article)
    return revision.data if revision else form_values(article)


def proposed_content(form: ArticleForm) -> dict:
    """A validated form's content in `form_values` shape, as a revision keeps it."""
    data = form.cleaned_data
    return {
        **{name: data[name] for name in TEXT_FIELDS},
        "effective_from": data["effective_from"].isoformat() if data["effective_from"] else "",
        "expires_on": data["expires_on"].isoformat() if data["expires_on"] else "",
        "categories": sorted(c.code for c in data["categories"]),
        "department": data["department"].code if data["department"] else "",
    }


def _save_content(form: ArticleForm, user, note: str) -> Article:
    """Save a validated form over its (locked) article as the next version, kept for comparison."""
    article = form.save(commit=False)
    article.version = F("version") + 1
    article.updated_at = timezone.now()
    article.save()
    form.save_m2m()
    article.refresh_from_db()
    _snapshot(article, user, note)
    return article


def update(
    article: Article, user, data: dict, note: str = "", expected_version: int | None = None, partial: bool = False
) -> Article:
    """Edit an article's content; returns the article as it now is.

    A draft or an article in review is changed in place, as a new version.
    A published, expired or withdrawn article is not: the change goes into its
    open revision (opened here if there is none) and the live content stays
    in service until the revision is published.

    `partial` changes only the fields in `data`, the rest read under the lock
    (so a concurrent edit of another field is kept); `expected_version` is the
    article's change counter (`Article.changes`, the ETag) the client last saw,
    refused with Conflict if anything changed since (None: not checked).
    """
    if not may_edit(article, user):
        raise NotAllowed(_("您不能修改这条知识。"))
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        _expect(expected_version, locked)
        if locked.status in REVISABLE:
            _save_revision(locked, user, data, note, partial)
            return locked
        if partial:
            data = {**form_values(locked), **data}
        article = _save_content(_validated(user, data, instance=locked), user, note)
        _event(article, "edit", article.status, user, note)
    return article


def _expect(expected: int | None, locked: Article) -> None:
    """Conflict unless `expected` (None: unchecked) is the (locked) article's change counter."""
    if expected is not None and expected != locked.changes:
        revision = open_revision(locked)
        raise Conflict(str(STALE) % {"id": locked.pk}, state=locked.status, version=locked.changes,
                       revision=revision.status if revision else None)


def _save_revision(locked: Article, user, data: dict, note: str, partial: bool) -> None:
    revision = locked.open_revision()
    if partial:
        data = {**(revision.data if revision else form_values(locked)), **data}
    form = _validated(user, data)
    if revision is None:
        revision = _start_revision(locked, user)
    revision.data, revision.version, revision.updated_at = proposed_content(form), revision.version + 1, timezone.now()
    revision.note = note[:200] or revision.note
    revision.save()
    _event(locked, "edit_revision", locked.status, user, note, revision)


def _start_revision(locked: Article, user, note: str = "") -> ArticleRevision:
    """A draft revision holding the live content (the caller holds the article's lock)."""
    revision = ArticleRevision.objects.create(
        article=locked, data=form_values(locked), version=locked.version, base_version=locked.version, created_by=user
    )
    _event(locked, "revise", locked.status, user, note, revision)
    return revision


def _permitted(article: Article, action: str, user) -> bool:
    roles = (TRANSITIONS | REVISION_TRANSITIONS)[action][2]
    return user.has_role(*roles) and (action not in EDITOR_ACTIONS or may_edit(article, user))


def transition(article: Article, action: str, user, note: str = "", expected: int | None = None) -> Article:
    """One step of the article's lifecycle or of its open revision's; returns the (live) article.

    `expected` is the article's change counter (`Article.changes`) the user acted on:
    if anything changed since (an edit of the revision under review, another step),
    the step is refused with Conflict, so nobody publishes what they have not seen.
    None (internal callers) is not checked.
    """
    if action not in TRANSITIONS and action not in REVISION_TRANSITIONS:
        raise InvalidInput(_("没有名为“%(a)s”的知识操作。") % {"a": action})
    if not _permitted(article, action, user):
        raise NotAllowed(_("您不能对这条知识执行“%(a)s”。") % {"a": ACTION_LABELS[action]})
    if action in REVISION_TRANSITIONS:
        return _revision_transition(article, action, user, note, expected)
    sources, target, _roles = TRANSITIONS[action]
    with transaction.atomic():
        locked_stats()  # the index's lock before the article's (see there)
        locked = Article.objects.select_for_update().get(pk=article.pk)
        _expect(expected, locked)
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


def _revision_transition(article: Article, action: str, user, note: str, expected: int | None) -> Article:
    sources, target, _roles = REVISION_TRANSITIONS[action]
    with transaction.atomic():
        if action == "publish_revision":
            locked_stats()  # the index's lock before the article's (see there)
        # The article's lock serialises everything about its revision, opening one included.
        locked = Article.objects.select_for_update().get(pk=article.pk)
        _expect(expected, locked)
        revision = open_revision(locked)
        if locked.status not in REVISABLE or (revision.status if revision else None) not in sources:
            raise InvalidTransition(_revision_refusal(locked, revision, action), state=locked.status,
                                    revision=revision.status if revision else None, allowed=allowed_actions(locked, user))
        if action == "reject_revision" and not note:
            raise InvalidInput(_("退回修订时请写明意见。"), {"note": [_("必填")]})
        before = locked.status
        if revision is None:
            revision = _start_revision(locked, user, note)
        elif action == "publish_revision":
            _publish_revision(locked, revision, user)
        revision.status, revision.updated_at = target, timezone.now()
        revision.save(update_fields=["status", "updated_at", "published_version"])
        if action != "revise":  # opening logged its own event
            _event(locked, action, before, user, note, revision)
        if action == "publish_revision":
            reindex(locked)
    return locked


def _revision_refusal(article: Article, revision: ArticleRevision | None, action: str) -> str:
    label = ACTION_LABELS[action]
    if article.status not in REVISABLE:
        return _("知识状态为“%(s)s”，可直接编辑，不能执行“%(a)s”。") % {"s": article.get_status_display(), "a": label}
    if revision is None:
        return _("这条知识没有进行中的修订，不能执行“%(a)s”：请先“修订”。") % {"a": label}
    if action == "revise":
        return _("这条知识已有一份“%(s)s”的修订，请在其上修改，或先放弃它。") % {"s": revision.get_status_display()}
    return _("修订状态为“%(s)s”，不能执行“%(a)s”。") % {"s": revision.get_status_display(), "a": label}


def _publish_revision(locked: Article, revision: ArticleRevision, user) -> None:
    """The revision's content becomes the article's next version, in service again: an expired
    or withdrawn article renewed, unless its new expiry date has already passed."""
    form = _validated(user, revision.data, instance=locked)
    expires_on = form.cleaned_data["expires_on"]
    locked.status = ArticleStatus.EXPIRED if expires_on and expires_on < timezone.localdate() else ArticleStatus.PUBLISHED
    locked.published_at = timezone.now()
    _save_content(form, revision.created_by, revision.note or _("修订"))
    revision.published_version = locked.version


def open_revision(article: Article) -> ArticleRevision | None:
    """The article's open revision; only an article in service (or once in service) has one."""
    return article.open_revision() if article.status in REVISABLE else None


_LOOK_UP = object()


def allowed_actions(article: Article, user, revision=_LOOK_UP) -> list[str]:
    """The article's actions this user may take now, its open revision's included
    (`revision`: open_revision(article) when the caller has it already)."""
    if revision is _LOOK_UP:
        revision = open_revision(article)
    revision_state = revision.status if revision else None
    return [
        action for action, (sources, _target, _roles) in TRANSITIONS.items()
        if article.status in sources and _permitted(article, action, user)
    ] + [
        action for action, (sources, _target, _roles) in REVISION_TRANSITIONS.items()
        if article.status in REVISABLE and revision_state in sources and _permitted(article, action, user)
    ]


def revision_diff(article: Article, revision: ArticleRevision) -> list[tuple[str, str]]:
    """What publishing the revision would change in the live article (the line diff of `diff`)."""
    return diff(_as_version(form_values(article), article.version), _as_version(revision.data, revision.version))


def revisions_in_review():
    """Revisions waiting for a publisher, oldest first."""
    return ArticleRevision.objects.filter(status=RevisionStatus.REVIEW).select_related("article", "created_by").order_by(
        "updated_at", "pk"
    )


def expire_due(today=None) -> int:
    """Mark published articles past their expiry date as expired (run by the worker)."""
    today = today or timezone.localdate()
    due = Article.objects.filter(status=ArticleStatus.PUBLISHED, expires_on__lt=today)
    count = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            locked_stats()  # the index's lock before the article's (see there)
            # Checked again under the lock: a publisher may have withdrawn or renewed it meanwhile.
            # An open revision stays open: publishing it later renews the article.
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
    if not all(0 < number <= MAX_VERSION for number in (old, new)):
        return None  # beyond the column's range: not there (and not a database error)
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
        ArticleUsage.objects.create(
            article=article, article_version=article.version, user=user, kind=kind, order=order, query=query[:200]
        )
        if counter:
            Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return True


def answer_with_article(order, article: Article, user, content: str = ""):
    """直接答复 citing a current article, with the article's use recorded, in one transaction.

    The order's event and the usage row name the version cited: the article is
    read under its lock, so a revision published meanwhile is either all in it or not.
    """
    from rexian.orders.services.workflow import perform

    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if not article.is_current():
            raise InvalidInput(_("这条知识未发布或已失效，不能用于答复。"), {"article": [_("不是现行知识")]})
        reference = f"知识#{article.pk} 第{article.version}版 {article.title}"
        order = perform(
            order, "direct_answer", user, {"content": content or article.body[:2000], "reference": reference[:200]},
        )
        record_usage(article, user, UsageKind.USED, order=order)
    return order
