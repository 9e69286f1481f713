"""Registering a citizen's request as a work order (受理)."""

import hashlib
import json
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.accounts.roles import Role
from rexian.orders.choices import State
from rexian.orders.intake_forms import IntakeCheck
from rexian.orders.models import Citizen, IntakeKey, WorkOrder, WorkOrderEvent
from rexian.orders.services import deadlines
from rexian.orders.services.errors import InvalidInput, NotAllowed
from rexian.orders.services.numbering import next_number

INTAKE_ROLES = (Role.AGENT, Role.DISPATCHER)


def find_citizen(phone: str) -> Citizen | None:
    """The newest citizen with this phone (a phone has one citizen, or a few after corrections).

    Picked in Python: with ORDER BY id DESC LIMIT 1, PostgreSQL may walk the
    primary key backwards through the whole table whenever its statistics
    think a phone is common; without them it reads the two phone indexes.
    A raw query (still converted to model instances by the ORM): compiling
    the OR through a queryset cost more CPU than the reads, on every intake.
    """
    table = Citizen._meta.db_table
    citizens = Citizen.objects.raw(f"SELECT * FROM {table} WHERE phone = %s OR alt_phone = %s", [phone, phone])
    return max(citizens, key=lambda citizen: citizen.pk, default=None)


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
    _may_register(user)
    return create_order(user, _validated(data), now)


def _may_register(user) -> None:
    if not user.has_role(*INTAKE_ROLES):
        raise NotAllowed(_("您的角色不能受理工单。"))


def _validated(data: dict) -> dict:
    form = IntakeCheck(data=data)
    if not form.is_valid():
        errors = {key: [str(message) for message in messages] for key, messages in form.errors.items()}
        raise InvalidInput(_("受理信息有误，请按提示修改后重试。"), errors)
    return form.cleaned_data


_KEY = re.compile(r"[\x21-\x7e]{1,128}")  # visible ASCII, as in the IETF draft's examples (UUIDs, ULIDs)


def register_once(user, data: dict, key: str, now=None) -> tuple[WorkOrder, bool]:
    """`register`, unless this user already sent `key` (Idempotency-Key) in the
    last IDEMPOTENCY_HOURS: then that order, and False for "not created now".

    A client whose response was lost retries with the same key and gets its
    order instead of a second one. The key is stored in the order's own
    transaction; of two requests with one key at the same moment, the second
    waits for the first's commit, fails on the unique key and returns the
    first's order (its own number is left as a gap).
    """
    _may_register(user)  # a replay too: the order is shown to whoever may register now
    if not _KEY.fullmatch(key):
        raise InvalidInput(
            _("Idempotency-Key 应为 1–128 个可见 ASCII 字符（例如 UUID）。"),
            {"Idempotency-Key": [_("格式不正确。")]},
        )
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    earlier = _earlier_intake(user, key, digest)
    if earlier is not None:
        return earlier, False
    clean = _validated(data)
    try:
        return create_order(user, clean, now, key=(key, digest)), True
    except IntegrityError:
        earlier = _earlier_intake(user, key, digest)
        if earlier is None:
            raise
        return earlier, False


def _earlier_intake(user, key: str, digest: str) -> WorkOrder | None:
    # A raw query, without the order: compiling a queryset that joins the order cost a
    # third of a keyed intake, and a replay, which needs the order, is rare.
    table = IntakeKey._meta.db_table
    found = IntakeKey.objects.raw(f'SELECT * FROM {table} WHERE user_id = %s AND "key" = %s', [user.pk, key])
    earlier = next(iter(found), None)
    if earlier is None:
        return None
    if earlier.created_at < _expiry():
        earlier.delete()  # expired, and the sweep has not come by yet: the key is free again
        return None
    if earlier.digest != digest:
        raise InvalidInput(
            _("这个 Idempotency-Key 已用于另一份受理内容；新的受理请求请使用新的键。"),
            {"Idempotency-Key": [_("已用于另一请求。")]},
        )
    return earlier.order


def purge_intake_keys(now=None) -> int:
    """Forget Idempotency-Keys older than IDEMPOTENCY_HOURS (the sweep calls this); the orders stay."""
    deleted, _per_model = IntakeKey.objects.filter(created_at__lt=_expiry(now)).delete()
    return deleted


def _expiry(now=None):
    return (now or timezone.now()) - timedelta(hours=settings.REXIAN["IDEMPOTENCY_HOURS"])


def create_order(user, clean: dict, now=None, key: tuple[str, str] | None = None) -> WorkOrder:
    """The order, its citizen and its `register` event in one transaction; with
    `key` (Idempotency-Key, request digest), the key too."""
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
        if key is not None:
            IntakeKey.objects.create(user=user, key=key[0], digest=key[1], order=order)
    return order
