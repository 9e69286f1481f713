"""Template context shared by every page: the navigation for the user's role."""

from django.urls import reverse
from django.utils.translation import gettext as _

from rexian.accounts.roles import Role


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    items = [(_("工作台"), reverse("home"))]
    if user.has_role(Role.AGENT, Role.DISPATCHER):
        items.append((_("受理"), reverse("orders:intake")))
    items.append((_("工单"), reverse("orders:list")))
    if user.has_role(Role.SUPERVISOR):
        items.append((_("督办总览"), reverse("orders:overview")))
    if user.is_staff:
        items.append((_("系统管理"), reverse("admin:index")))
    return {"nav_items": items}
