"""Registering a citizen's request as a work order (受理)."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.accounts.roles import Role
from rexian.orders.choices import State
from rexian.orders.intake_forms import IntakeForm
from rexian.orders.models import Citizen, WorkOrder, WorkOrderEvent
from rexian.orders.services import deadlines
from rexian.orders.services.errors import InvalidInput, NotAllowed
from rexian.orders.services.numbering import next_number

INTAKE_ROLES = (Role.AGENT, Role.DISPATCHER)


def find_citizen(phone: str) -> Citizen | None:
    """The newest citizen with this phone (a phone has one citizen, or a few after corrections).

    Picked in Python: with ORDER BY id DESC LIMIT 1, PostgreSQL may walk the
    primary key backwards through the whole table whenever its statistics
    think a phone is common; without them it reads the two phone indexes.
    """
    return max(_citizens_with_phone(phone), key=lambda citizen: citizen.pk, default=None)


def _citizens_with_phone(phone: str):
    return Citizen.objects.filter(Q(phone=phone) | Q(alt_phone=phone))


def orders_of_caller(phone: str):
    """Every order the caller made or is the contact of, newest first (citizen history, 重复来电).

    The caller's citizens are looked up first: with a join in the OR, PostgreSQL
    can only walk every order newest first and test each one (seconds at a
    million orders); with their ids it reads two indexes.
    """
    citizens = list(_citizens_with_phone(phone).values_list("pk", flat=True))
    return (
        WorkOrder.objects.filter(Q(citizen__in=citizens) | Q(contact_phone=phone))
        .select_related("current_unit", "category")
        .order_by("-created_at")
    )


def register(user, data: dict, now=None) -> WorkOrder:
    """Validate intake data and create the order with its `register` event."""
    if not user.has_role(*INTAKE_ROLES):
        raise NotAllowed(_("您的角色不能受理工单。"))
    form = IntakeForm(data=data)
    if not form.is_valid():
        errors = {key: [str(message) for message in messages] for key, messages in form.errors.items()}
        raise InvalidInput(_("受理信息有误，请按提示修改后重试。"), errors)
    return create_order(user, form.cleaned_data, now)


def create_order(user, clean: dict, now=None) -> WorkOrder:
    now = now or timezone.now()
    number = next_number(now)  # before the order's transaction: see next_number()
    with transaction.atomic():
        # Channels without a phone number (e-mail, WeChat) make a citizen of their own.
        citizen = find_citizen(clean["phone"]) if clean["phone"] else None
        if citizen is None:
            citizen = Citizen.objects.create(
                name=clean.get("name", ""), phone=clean["phone"], id_number=clean.get("id_number", ""), created_at=now
            )
        else:
            changed = False
            for field in ("name", "id_number"):
                if clean.get(field) and getattr(citizen, field) != clean[field]:
                    setattr(citizen, field, clean[field])
                    changed = True
            if changed:
                citizen.save()
        limits = deadlines.limits_for(clean.get("category"), clean["order_type"], clean["urgency"])
        due = deadlines.deadline_after(now, limits.handle)
        order = WorkOrder.objects.create(
            number=number,
            order_type=clean["order_type"],
            urgency=clean["urgency"],
            channel=clean["channel"],
            title=clean["title"],
            content=clean["content"],
            address=clean.get("address", ""),
            area_code=clean.get("area_code", ""),
            latitude=clean.get("latitude"),
            longitude=clean.get("longitude"),
            category=clean.get("category"),
            citizen=citizen,
            contact_phone=clean["phone"],
            confidential=bool(clean.get("confidential")),
            state=State.REGISTERED,
            due_at=due.at,
            due_provisional=due.provisional,
            created_by=user if getattr(user, "pk", None) else None,
            created_at=now,
            updated_at=now,
        )
        WorkOrderEvent.objects.create(
            order=order,
            action="register",
            actor=order.created_by,
            actor_role=getattr(user, "role", ""),
            from_state="",
            to_state=State.REGISTERED,
            data={"channel": order.channel, "due_at": due.at.isoformat(), "provisional": due.provisional},
            created_at=now,
        )
    return order
