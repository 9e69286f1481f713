"""Plumbing shared by the order views: role checks, fetching an order, form errors."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from rexian.accounts.roles import Role
from rexian.orders.models import WorkOrder
from rexian.orders.services.intake import INTAKE_ROLES

# Pages beyond the order list and detail, and who may open them (admins always may).
OVERVIEW_ROLES = (Role.SUPERVISOR,)
__all__ = ["INTAKE_ROLES", "OVERVIEW_ROLES", "role_required", "visible_order", "show_errors"]


def role_required(*roles):
    """Log in first; then a user without one of `roles` gets the friendly 403 page."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied(_("您的角色无权访问此页面。"))
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def visible_order(user, number: str, *related: str) -> WorkOrder:
    """The order if the user may see it; a 404 otherwise, so its existence is not revealed."""
    return get_object_or_404(WorkOrder.objects.visible_to(user).select_related(*related), number=number)


def show_errors(form, error) -> None:
    """Put a service's InvalidInput errors on the bound form the user filled in.

    The service validates with the same form class, so most messages are
    already there; only those raised later (e.g. "主工单不存在") are added.
    """
    form.is_valid()
    for field, messages in error.errors.items():
        key = field if field in form.fields else None
        present = form.errors.get(key or NON_FIELD_ERRORS, [])
        for message in messages:
            if message not in present:
                form.add_error(key, message)
