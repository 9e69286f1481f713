"""What of a citizen's personal data a user may see, in lists and in detail.

UI, API and exports all ask here, so the rules are stated once:
- a confidential (保密) order hides name, phone and ID from department staff everywhere;
- lists show full phone numbers only to roles that call citizens (agent, callback);
- detail views show the data to those who may see it, and each such view is audited.
"""

from dataclasses import dataclass

from django.conf import settings

from rexian.accounts.roles import Role
from rexian.core.audit import AuditAction, record
from rexian.core.masking import MASK, mask_id_number, mask_name, mask_phone


@dataclass(frozen=True)
class CitizenView:
    name: str
    phone: str
    id_number: str
    hidden: bool  # True when confidentiality hides everything from this user
    full: bool  # True when unmasked personal data is shown (an auditable view)


def hides_identity(order, user) -> bool:
    return bool(order.confidential and user.role == Role.DEPARTMENT)


def sees_full_phones(user) -> bool:
    """The roles that see full phone numbers in lists: those who call citizens, and admins."""
    return user.role in settings.REXIAN["FULL_PHONE_ROLES"] or user.role == Role.ADMIN


def citizen_view(order, user, detail: bool = False) -> CitizenView:
    citizen = order.citizen
    if hides_identity(order, user):
        return CitizenView(MASK, MASK, MASK if citizen.id_number else "", hidden=True, full=False)
    full = detail or sees_full_phones(user)
    if full:
        return CitizenView(citizen.name, order.contact_phone, citizen.id_number, hidden=False, full=True)
    return CitizenView(mask_name(citizen.name), mask_phone(order.contact_phone), mask_id_number(citizen.id_number), False, False)


def audited_citizen_view(order, user, request=None, via: str = "web") -> CitizenView:
    """The detail view of the citizen, recording in the audit log that it was seen."""
    view = citizen_view(order, user, detail=True)
    if view.full:
        record(user, AuditAction.VIEW_PERSONAL, order, summary=f"查看工单 {order.number} 的市民信息", request=request, via=via)
    return view
