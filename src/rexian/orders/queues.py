"""Read-side queries behind the web UI: work queues, list filters, dashboard figures.

Everything here starts from `WorkOrder.objects.visible_to(user)` and only
reads. A queue is a named condition (待签收, 超期 …) that means "the centre's
orders in this state" for centre staff and "what sits on my unit's desk" for
department staff; the same condition feeds the home-page count and the list
it links to, so the two never disagree.
"""

import operator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import reduce
from typing import Callable

from django import forms
from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rexian.accounts.roles import Role
from rexian.directory.models import Category, Department
from rexian.orders.choices import (
    DEADLINE_STATES,
    OPEN_STATES,
    UNIT_STATES,
    AssignmentStatus,
    Channel,
    ExtensionStatus,
    OrderType,
    State,
)
from rexian.orders.models import Assignment, ExtensionRequest, Notification, Supervision, WorkOrder

PAGE_SIZE = 50


# ---------------------------------------------------------------- queues


def _due_soon(now) -> Q:
    window = timedelta(hours=settings.REXIAN["DUE_SOON_HOURS"])
    return Q(state__in=DEADLINE_STATES, due_at__gte=now, due_at__lt=now + window)


def _overdue(now) -> Q:
    return Q(state__in=DEADLINE_STATES, due_at__lt=now)


def _unit_assignment(user, *statuses) -> Exists:
    """The user's unit (or a sub-unit) holds an assignment of the order in one of `statuses`."""
    return Exists(
        Assignment.objects.filter(order=OuterRef("pk"), unit_id__in=user.department.subtree_ids, status__in=statuses)
    )


def _on_unit_desk(user) -> Q:
    return Q(state__in=UNIT_STATES) & Q(_unit_assignment(user, AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED))


def _pending_extension(user=None) -> Exists:
    requests = ExtensionRequest.objects.filter(order=OuterRef("pk"), status=ExtensionStatus.PENDING)
    if user is not None:
        requests = requests.filter(unit_id__in=user.department.subtree_ids)
    return Exists(requests)


@dataclass(frozen=True)
class Queue:
    """A named work queue: `centre` builds its condition for centre staff, `unit`
    (when the two differ) for department staff, narrowed to their unit's desk."""

    key: str
    label: str
    # How the count card is coloured: "" plain, "amber" for 临期, "red" for 超期.
    tone: str
    centre: Callable[[object, object], Q]
    unit: Callable[[object, object], Q] | None = None
    # Counted over every order the user may see, closed ones included (答复未送达: an
    # answer can fail after the order closed), not only over the open work.
    any_state: bool = False

    def condition(self, user, now) -> Q:
        if user.role == Role.DEPARTMENT:
            if not user.department_id:  # a misconfigured account sees nothing, as in visible_to()
                return Q(pk__in=[])
            return (self.unit or self.centre)(user, now)
        return self.centre(user, now)


def _state(state) -> Callable:
    return lambda user, now: Q(state=state)


QUEUES = {
    queue.key: queue
    for queue in [
        Queue("mine", _("我受理的"), "", lambda user, now: Q(created_by=user, state__in=OPEN_STATES)),
        Queue("registered", _("待派单"), "", _state(State.REGISTERED)),
        Queue("returned", _("退单待改派"), "", _state(State.RETURNED)),
        Queue(
            "dispatched",
            _("待签收"),
            "",
            _state(State.DISPATCHED),
            lambda user, now: Q(state__in=UNIT_STATES) & Q(_unit_assignment(user, AssignmentStatus.PENDING)),
        ),
        Queue(
            "handling",
            _("办理中"),
            "",
            _state(State.HANDLING),
            lambda user, now: Q(state=State.HANDLING) & Q(_unit_assignment(user, AssignmentStatus.ACCEPTED)),
        ),
        Queue("replied", _("待审核"), "", _state(State.REPLIED)),
        Queue("callback", _("待回访"), "", _state(State.CALLBACK)),
        Queue(
            "due_soon",
            _("临期"),
            "amber",
            lambda user, now: _due_soon(now),
            lambda user, now: _due_soon(now) & _on_unit_desk(user),
        ),
        Queue(
            "overdue",
            _("超期"),
            "red",
            lambda user, now: _overdue(now),
            lambda user, now: _overdue(now) & _on_unit_desk(user),
        ),
        Queue(
            "extension",
            _("延期审批中"),
            "",
            lambda user, now: Q(state__in=UNIT_STATES) & Q(_pending_extension()),
            lambda user, now: Q(state__in=UNIT_STATES) & Q(_pending_extension(user)),
        ),
    ]
}

_CENTRE_BOARD = ["registered", "dispatched", "handling", "replied", "callback", "due_soon", "overdue"]
# Which queues a role's home page counts, and which of them are the role's own work.
BOARDS = {
    Role.AGENT: (["mine", *_CENTRE_BOARD], {"mine", "registered"}),
    Role.DISPATCHER: (
        ["registered", "returned", "extension", "dispatched", "handling", "replied", "callback", "due_soon", "overdue"],
        {"registered", "returned", "extension"},
    ),
    Role.DEPARTMENT: (["dispatched", "handling", "due_soon", "overdue", "extension"], {"dispatched", "handling"}),
    Role.REVIEWER: (_CENTRE_BOARD, {"replied"}),
    Role.CALLBACK: (_CENTRE_BOARD, {"callback"}),
    Role.SUPERVISOR: (_CENTRE_BOARD, {"due_soon", "overdue"}),
    Role.ADMIN: (_CENTRE_BOARD, {"overdue"}),
}


def add_queue(queue: Queue, roles) -> None:
    """A queue another app contributes (rexian.channels: 答复未送达), counted on these roles' home pages."""
    QUEUES[queue.key] = queue
    for role in roles:
        keys, primary = BOARDS[role]
        if queue.key not in keys:
            BOARDS[role] = ([*keys, queue.key], primary)


def _board_of(user) -> tuple[list, set]:
    return BOARDS.get(user.role, (_CENTRE_BOARD, set()))


def own_queues(user) -> list[Queue]:
    """The queues that are the role's own work, in board order (side bar shortcuts, worklist)."""
    keys, primary = _board_of(user)
    return [QUEUES[key] for key in keys if key in primary]


@dataclass(frozen=True)
class BoardItem:
    queue: Queue
    count: int
    primary: bool


def board(user, now=None) -> list[BoardItem]:
    """The role's queues with their counts: one aggregate query over the open work, and
    one over everything visible for the few queues that count closed orders too."""
    now = now or timezone.now()
    keys, primary = _board_of(user)
    counts = {}
    for any_state, source in ((False, _work_of), (True, WorkOrder.objects.visible_to)):
        group = [key for key in keys if QUEUES[key].any_state == any_state]
        if group:
            counts |= source(user).aggregate(**{key: Count("pk", filter=QUEUES[key].condition(user, now)) for key in group})
    return [BoardItem(QUEUES[key], counts[key], key in primary) for key in keys]


def worklist(user, limit: int = 10, now=None):
    """The most pressing orders in the role's own queues: earliest deadline first."""
    now = now or timezone.now()
    condition = reduce(operator.or_, (queue.condition(user, now) for queue in own_queues(user)), Q(pk__in=[]))
    return with_list_relations(
        _work_of(user).filter(condition).order_by(F("due_at").asc(nulls_last=True), "created_at")
    )[:limit]


def _work_of(user):
    """The orders a role's queues are drawn from.

    Every department queue is on the unit's desk, so for department staff the
    set starts from the unit's live assignments (a few hundred rows, by the
    (unit, status) index) instead of probing each open order of the city:
    milliseconds instead of hundreds of them at a million orders (docs/benchmarks.md).
    """
    if user.role == Role.DEPARTMENT and user.department_id:
        live = Assignment.objects.filter(
            unit_id__in=user.department.subtree_ids, status__in=[AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED]
        ).values("order_id")
        return WorkOrder.objects.filter(pk__in=live, state__in=UNIT_STATES)
    return WorkOrder.objects.visible_to(user).filter(state__in=sorted(OPEN_STATES))


def with_list_relations(queryset):
    """What an order row shows, fetched in the same query (no N+1)."""
    return queryset.select_related("citizen", "current_unit", "category")


# ---------------------------------------------------------------- list filters


def tree_labels(model) -> dict[int, str]:
    """Full "上级 / 下级" names of every node of a tree model, from one query."""
    nodes = {pk: (name, path) for pk, name, path in model.objects.values_list("pk", "name", "path")}
    names = {pk: name for pk, (name, _path) in nodes.items()}
    return {
        pk: " / ".join(names[int(part)] for part in path.strip("/").split("/") if part and int(part) in names)
        for pk, (_name, path) in nodes.items()
    }


def prepare_choices(form) -> None:
    """Units and categories with their full path (without a query per option), and a
    Chinese prompt instead of Django's "---------" in the selects."""
    labels = {}
    for field in form.fields.values():
        if getattr(field, "empty_label", None) == "---------":
            field.empty_label = _("请选择")
        model = getattr(getattr(field, "queryset", None), "model", None)
        if model in (Department, Category):
            if model not in labels:
                labels[model] = tree_labels(model)
            field.label_from_instance = lambda obj, names=labels[model]: names.get(obj.pk, obj.name)


def _choices(choices) -> list:
    return [("", _("全部"))] + list(choices)


class OrderFilterForm(forms.Form):
    """The order list's filter bar; invalid values are ignored, not errors."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    queue = forms.ChoiceField(label=_("队列"), required=False)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=_choices(State.choices))
    deadline = forms.ChoiceField(
        label=_("时限"), required=False, choices=_choices([("due_soon", _("临期")), ("overdue", _("超期"))])
    )
    unit = forms.ModelChoiceField(
        label=_("承办单位"), required=False, queryset=Department.objects.filter(active=True), to_field_name="code",
        empty_label=_("全部"),
    )
    category = forms.ModelChoiceField(
        label=_("分类"), required=False, queryset=Category.objects.filter(active=True), to_field_name="code",
        empty_label=_("全部"),
    )
    order_type = forms.ChoiceField(label=_("类型"), required=False, choices=_choices(OrderType.choices))
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=_choices(Channel.choices))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        keys, _primary = _board_of(user)
        self.fields["queue"].choices = _choices((key, QUEUES[key].label) for key in keys)
        if user.role == Role.DEPARTMENT and user.department_id:
            self.fields["unit"].queryset = user.department.subtree().filter(active=True)
        prepare_choices(self)

    def values(self) -> dict:
        """The valid, non-empty filters."""
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}

    def apply(self, queryset, now=None):
        now = now or timezone.now()
        values = self.values()
        if "queue" in values:
            queryset = queryset.filter(QUEUES[values["queue"]].condition(self.user, now))
        if "deadline" in values:
            queryset = queryset.filter(_overdue(now) if values["deadline"] == "overdue" else _due_soon(now))
        if "unit" in values:
            queryset = queryset.filter(current_unit__path__startswith=values["unit"].path)
        if "category" in values:
            queryset = queryset.filter(category__path__startswith=values["category"].path)
        exact = {key: values[key] for key in ("state", "order_type", "channel") if key in values}
        return queryset.filter(**exact).search(values.get("q", ""))


@dataclass
class Page:
    """A page of a list without COUNT(*): one extra row tells whether a next page exists."""

    number: int
    rows: list
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_of(queryset, number, size: int | None = None) -> Page:
    size = size or PAGE_SIZE
    try:
        number = max(1, int(number))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(number, rows[:size], len(rows) > size)


# ---------------------------------------------------------------- supervisor overview


def state_counts(queryset) -> list[tuple[str, str, int]]:
    """(state, label, count) for every state, zeros included, in workflow order."""
    counts = dict(queryset.order_by().values_list("state").annotate(n=Count("pk")))
    return [(state.value, state.label, counts.get(state.value, 0)) for state in State]


def overdue_by_unit(queryset, now=None, limit: int = 20) -> list[dict]:
    rows = (
        queryset.filter(_overdue(now or timezone.now()))
        .order_by()
        .values("current_unit__code", "current_unit__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "current_unit__code")
    )
    return list(rows[:limit])


def daily_intake(queryset, days: int = 30, now=None) -> list[tuple]:
    """(date, count) for each of the last `days` local days, zeros included."""
    today = timezone.localdate(now or timezone.now())
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    counts = dict(
        queryset.filter(created_at__gte=start)
        .order_by()
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    return [(first + timedelta(days=offset), counts.get(first + timedelta(days=offset), 0)) for offset in range(days)]


def recent_supervisions(user, limit: int = 10):
    return (
        Supervision.objects.filter(order__in=WorkOrder.objects.visible_to(user))
        .select_related("order", "unit", "issued_by")
        .order_by("-created_at", "-id")[:limit]
    )


# ---------------------------------------------------------------- notifications


def notifications_for(user):
    """Messages to the user and to their unit (and its sub-units)."""
    condition = Q(user=user)
    if user.role == Role.DEPARTMENT and user.department_id:
        condition |= Q(unit__path__startswith=user.department.path)
    return Notification.objects.filter(condition).select_related("order", "unit")


def mark_read(user, pk=None, now=None) -> int:
    """Mark one notification, or all of the user's, as read; returns how many changed."""
    notifications = notifications_for(user).filter(read_at__isnull=True)
    if pk is not None:
        notifications = notifications.filter(pk=pk)
    return Notification.objects.filter(pk__in=notifications.values("pk")).update(read_at=now or timezone.now())
