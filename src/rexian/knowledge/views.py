"""Knowledge-base pages: search, read, edit, review, compare versions, import/export,
the intake side panel's suggestions, and the public search page for citizens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rexian.accounts.roles import Role
from rexian.core.audit import AuditAction, record
from rexian.knowledge import importexport, services
from rexian.knowledge.choices import REVISABLE, ArticleKind, ArticleStatus, UsageKind
from rexian.knowledge.forms import ArticleForm
from rexian.knowledge.models import Article
from rexian.knowledge.search import search
from rexian.orders.queues import page_of
from rexian.orders.services.errors import WorkflowError


@login_required
def article_list(request):
    """Every article, newest change first, for staff; the text search covers drafts and reviews too
    (the ranked search, for agents on the phone, covers only what is published)."""
    query = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    articles = services.staff_list(kind=kind, status=status, query=query)
    return render(request, "knowledge/list.html", {
        "page": page_of(articles, request.GET.get("page")), "query": query, "kind": kind, "status": status,
        "kinds": ArticleKind.choices, "statuses": ArticleStatus.choices,
        "may_create": services.may_edit(None, request.user),
        "revisions_in_review": services.revisions_in_review() if request.user.has_role(*services.PUBLISHERS) else [],
    })


@login_required
def article_detail(request, pk):
    article = get_object_or_404(Article.objects.select_related("department"), pk=pk)
    versions = list(article.versions.select_related("author").order_by("-number"))
    revision = services.open_revision(article)
    return render(request, "knowledge/detail.html", {
        "article": article,
        "versions": versions,
        "events": article.events.select_related("actor"),
        "actions": [(name, services.ACTION_LABELS[name]) for name in services.allowed_actions(article, request.user, revision)],
        # An article in service is edited through its revision, opened by the "revise" action.
        "may_edit": services.may_edit(article, request.user) and (revision is not None or article.status not in REVISABLE),
        "revision": revision,
        "revision_lines": services.revision_diff(article, revision) if revision else [],
        "is_current": article.is_current(),
    })


@login_required
def article_edit(request, pk=None):
    """New article, or an article's content: a draft's own, or the revision of one in service."""
    article = get_object_or_404(Article, pk=pk) if pk else None
    if not services.may_edit(article, request.user):
        raise PermissionDenied
    if request.method == "POST":
        try:
            if article is None:
                article = services.create(request.user, request.POST, note=request.POST.get("note", ""))
            else:
                # The counter the form was rendered with: a save over someone else's change is refused.
                article = services.update(article, request.user, request.POST, note=request.POST.get("note", ""),
                                          expected_version=_posted_version(request))
        except WorkflowError as error:
            messages.error(request, error.message)
            form = ArticleForm(data=request.POST)
            form.is_valid()
        else:
            if article.status in REVISABLE:
                messages.success(request, _("已保存修订；现行的第 %(v)d 版在修订发布前不变。") % {"v": article.version})
                return redirect(reverse("knowledge:detail", args=[article.pk]) + "#revision")
            messages.success(request, _("已保存为第 %(v)d 版。") % {"v": article.version})
            return redirect("knowledge:detail", pk=article.pk)
    elif article is not None:
        form = ArticleForm(initial=services.content_to_edit(article))
    else:
        initial = {"department": request.user.department.code, "kind": ArticleKind.DUTIES} if request.user.role == Role.DEPARTMENT else {}
        form = ArticleForm(initial=initial)
    return render(request, "knowledge/edit.html", {
        "form": form, "article": article, "revisable": article is not None and article.status in REVISABLE,
        "version": request.POST.get("version", "") if request.method == "POST" else getattr(article, "changes", ""),
    })


def _posted_version(request) -> int | None:
    """The change counter the page was rendered with (a hidden `version` field), or None if absent or garbled."""
    value = request.POST.get("version", "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else None


@login_required
@require_POST
def article_action(request, pk, action):
    article = get_object_or_404(Article, pk=pk)
    expected = _posted_version(request)
    if expected is None:  # a page from before the field, or a hand-made request: never act unchecked
        messages.error(request, _("页面已过期，请刷新后再操作。"))
        return redirect("knowledge:detail", pk=pk)
    try:
        services.transition(article, action, request.user, note=request.POST.get("note", "").strip(), expected=expected)
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已%s。" % services.ACTION_LABELS[action])
        if action == "revise":  # an opened revision is there to be written
            return redirect("knowledge:edit", pk=pk)
    return redirect("knowledge:detail", pk=pk)


@login_required
def article_diff(request, pk, old, new):
    article = get_object_or_404(Article, pk=pk)
    pair = services.version_pair(article, old, new)  # None also for numbers beyond the column's range
    if pair is None:
        raise Http404("没有这个版本")
    return render(request, "knowledge/diff.html", {
        "article": article, "old": pair[0], "new": pair[1], "lines": services.diff(*pair),
    })


@login_required
@require_GET
def suggest(request):
    """Best current articles for what the agent is typing (the intake side panel)."""
    query = request.GET.get("q", "")[:500]
    hits = search(query, limit=5)
    return JsonResponse({"articles": [
        {"id": hit.article.pk, "title": hit.article.title, "kind": hit.article.get_kind_display(),
         "snippet": str(hit.snippet), "score": round(hit.score, 4), "body": hit.article.body[:2000],
         "url": f"/knowledge/{hit.article.pk}/"}
        for hit in hits
    ]})


@login_required
@require_POST
def not_helpful(request, pk):
    article = get_object_or_404(Article.objects.current(), pk=pk)
    services.record_usage(article, request.user, UsageKind.NOT_HELPFUL, query=request.POST.get("q", ""))
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": True})
    messages.success(request, "已记录：这条知识没有帮助。")
    return redirect("knowledge:detail", pk=pk)


@login_required
def export(request, fmt):
    if not request.user.has_role(*importexport.TRANSFER_ROLES):
        raise PermissionDenied
    stamp = timezone.localdate().isoformat()
    fmt = "json" if fmt == "json" else "xlsx"
    response = HttpResponse(content_type=importexport.CONTENT_TYPES[fmt])
    try:
        importexport.write_export(fmt, response)
    except importexport.ExportRefused as error:
        messages.error(request, error.message)
        return redirect("knowledge:list")
    record(request.user, AuditAction.EXPORT, summary=f"导出知识库（{fmt}）", request=request)
    response["Content-Disposition"] = f'attachment; filename="knowledge-{stamp}.{fmt}"'
    return response


@login_required
@require_POST
def import_file(request):
    if not request.user.has_role(*importexport.TRANSFER_ROLES):
        raise PermissionDenied
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择不超过 20 MB 的 XLSX 或 JSON 文件。")
        return redirect("knowledge:list")
    try:
        result = importexport.import_upload(upload, request.user)
    except importexport.ImportRejected as error:
        for problem in error.problems[:20]:
            messages.error(request, problem)
        if len(error.problems) > 20:
            messages.error(request, f"……共 {len(error.problems)} 处问题，未导入任何知识。")
        return redirect("knowledge:list")
    messages.success(request, result.report())
    return redirect("knowledge:list")


@login_required
def stale(request):
    """For supervisors: articles to review (old, expiring, unhelpful) and the direct-answer rate."""
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied
    return render(request, "knowledge/stale.html", services.review_report())


# ---------------------------------------------------------------- public pages (no login)


def public_search(request):
    query = request.GET.get("q", "").strip()[:200]
    hits = search(query, limit=20, public_only=True) if query else []
    latest = [] if query else Article.objects.current().public().order_by("-published_at")[:10]
    return render(request, "knowledge/public_search.html", {"query": query, "hits": hits, "latest": latest})


def public_detail(request, pk):
    article = get_object_or_404(Article.objects.current().public(), pk=pk)
    return render(request, "knowledge/public_detail.html", {"article": article})
