"""Template context shared by every page: the navigation for the user's role."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from rexian.accounts.roles import Role
from rexian.orders.queues import notifications_for, own_queues
from rexian.orders.views.base import INTAKE_ROLES, OVERVIEW_ROLES


def _item(request, label, url, count=None, tone=""):
    # A queue link is active only on its own list; a page link on its own path.
    active = request.get_full_path() == url or ("?" not in url and request.path == url and not request.GET)
    return {"label": label, "url": url, "active": active, "count": count, "tone": tone}


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    work = [_item(request, _("工作台"), reverse("home"))]
    if user.has_role(*INTAKE_ROLES):
        work.append(_item(request, _("受理登记"), reverse("orders:intake")))
    work.append(_item(request, _("工单查询"), reverse("orders:list")))
    # The role's own queues, one click away.
    queue_items = [
        _item(request, queue.label, f"{reverse('orders:list')}?{urlencode({'queue': queue.key})}", tone=queue.tone)
        for queue in own_queues(user)
    ]
    work.append(_item(request, _("知识库"), reverse("knowledge:list")))
    more = []
    if user.has_role(*OVERVIEW_ROLES):
        more.append(_item(request, _("督办总览"), reverse("orders:overview")))
    if user.has_role(Role.SUPERVISOR, Role.DISPATCHER):
        more.append(_item(request, _("热点诉求"), reverse("routing:hot_issues")))
    if user.has_role(Role.SUPERVISOR):
        more.append(_item(request, _("分派准确率"), reverse("routing:accuracy")))
        more.append(_item(request, _("统计看板"), reverse("dashboards:overview")))
    unread = notifications_for(user).filter(read_at__isnull=True).count()
    more.append(_item(request, _("通知"), reverse("orders:notifications"), count=unread or None))
    if user.is_staff:
        more.append(_item(request, _("系统管理"), reverse("admin:index")))
    sections = [(_("工作"), work), (_("我的待办"), queue_items), (_("更多"), more)]
    return {"nav_sections": [(title, items) for title, items in sections if items]}
