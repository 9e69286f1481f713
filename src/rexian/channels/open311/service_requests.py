"""Open311 service requests: POST makes an order through the channel core, GET shows orders.

A POST is validated in full and every problem reported at once; the request
then goes through `channels.inbound.receive` with channel ``open311`` and is
checked by the same `IntakeForm` as the agent's screen. Each POST is its own
conversation (address ``open311:<token>``), so two reports from one phone are
two orders. An ``Idempotency-Key`` header (not in the spec) makes a retried
POST return the first one's request instead of a second order.

GET never returns personal data: the response fields carry none, and for a
confidential (保密) order the description, location and media are withheld too.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from rexian.channels import firstresponse
from rexian.channels.inbound import Inbound, receive
from rexian.channels.models import LIST_DATATYPES, Open311Datatype, Open311Key, Open311Request, new_open311_token
from rexian.channels.open311 import catalogue
from rexian.channels.open311.conf import open311_settings
from rexian.channels.portal.services import CITIZEN_STATES
from rexian.orders.choices import OPEN_STATES, Channel, State, Urgency
from rexian.orders.intake_forms import IntakeForm
from rexian.orders.models import WorkOrder
from rexian.orders.services import deadlines

MAX_DESCRIPTION = 4000  # the spec's limit
MAX_WINDOW = timedelta(days=90)  # the spec's default span, and the longest a query may ask for
MAX_PAGE_SIZE = 1000  # the spec's default volume
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class Problem(Exception):
    """Errors for the client: one HTTP status, one or more (code, description)."""

    def __init__(self, status: int, problems: list[tuple[int, str]]):
        super().__init__(problems[0][1])
        self.status, self.problems = status, problems


def _one(status: int, description: str) -> Problem:
    return Problem(status, [(status, description)])


def check_jurisdiction(params, required: bool) -> None:
    value = (params.get("jurisdiction_id") or "").strip()
    if not value:
        if required:
            raise _one(400, _("jurisdiction_id 未提供。"))
        return
    if value != open311_settings().jurisdiction:
        raise _one(404, _("jurisdiction_id “%(j)s” 不存在。") % {"j": value[:100]})


def authenticate(params) -> Open311Key:
    presented = (params.get("api_key") or "").strip()
    if not presented:
        raise _one(403, _("缺少 api_key，不能提交服务请求。"))
    key = Open311Key.objects.authenticate(presented)
    if key is None:
        raise _one(403, _("api_key 无效或已吊销，不能提交服务请求。"))
    return key


# ---------------------------------------------------------------- POST


class Open311IntakeForm(IntakeForm):
    """The intake form, with the phone optional: Open311 does not require one."""

    phone = forms.CharField(max_length=30, required=False)

    def clean_phone(self):
        return super().clean_phone() if self.cleaned_data.get("phone") else ""


# IntakeForm field → the Open311 parameter a client would fix.
PARAMETER_OF = {
    "phone": "phone", "name": "first_name", "title": "description", "content": "description",
    "address": "address_string", "latitude": "lat", "longitude": "long", "category": "service_code",
}


@dataclass
class Answer:
    attribute: object
    value: object  # str, Decimal, datetime or list of keys

    def readable(self) -> str:
        names = {value.key: value.name for value in self.attribute.values.all()}
        if isinstance(self.value, list):
            return "、".join(names.get(key, key) for key in self.value)
        if self.attribute.datatype == Open311Datatype.SINGLE:
            return names.get(self.value, self.value)
        return str(self.value)

    def stored(self):
        return self.value if isinstance(self.value, (list, str)) else str(self.value)


def _submitted_attributes(params) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key in params.keys():
        match = _ATTRIBUTE.match(key)
        if match:
            values = [value.strip() for value in params.getlist(key) if value.strip()]
            found.setdefault(match.group(1), []).extend(values)
    return found


def _parse_moment(text: str):
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(text)
        moment = datetime(day.year, day.month, day.day)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _answer(attribute, values: list[str], problems: list) -> Answer | None:
    label = f"attribute[{attribute.code}]"
    if not values:
        if attribute.required:
            problems.append((400, _("%(p)s 为必填项（%(d)s）。") % {"p": label, "d": attribute.description}))
        return None
    datatype = attribute.datatype
    if datatype in LIST_DATATYPES:
        keys = {value.key for value in attribute.values.all()}
        unknown = [value for value in values if value not in keys]
        if unknown:
            problems.append((400, _("%(p)s 的取值 %(v)s 不在服务定义中。") % {"p": label, "v": ", ".join(unknown)[:100]}))
            return None
        if datatype == Open311Datatype.SINGLE:
            if len(set(values)) > 1:
                problems.append((400, _("%(p)s 只能选择一个取值。") % {"p": label}))
                return None
            return Answer(attribute, values[0])
        return Answer(attribute, list(dict.fromkeys(values)))
    if len(values) > 1:
        problems.append((400, _("%(p)s 只能有一个值。") % {"p": label}))
        return None
    value = values[0]
    try:
        if datatype == Open311Datatype.NUMBER:
            return Answer(attribute, Decimal(value))
        if datatype == Open311Datatype.DATETIME:
            return Answer(attribute, _parse_moment(value).isoformat())
    except (InvalidOperation, ValueError):
        kind = _("数字") if datatype == Open311Datatype.NUMBER else _("ISO 8601 日期时间")
        problems.append((400, _("%(p)s 应为%(k)s。") % {"p": label, "k": kind}))
        return None
    limit = 4000 if datatype == Open311Datatype.TEXT else 500
    if len(value) > limit or (datatype == Open311Datatype.STRING and "\n" in value):
        problems.append((400, _("%(p)s 超长或含有换行。") % {"p": label}))
        return None
    return Answer(attribute, value)


def _coordinate(params, name: str, bound: int, problems: list) -> Decimal | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        problems.append((400, _("%(p)s 不是有效的 WGS84 坐标。") % {"p": name}))
        return None
    if not -bound <= value <= bound:
        problems.append((400, _("%(p)s 超出范围（-%(b)d 到 %(b)d）。") % {"p": name, "b": bound}))
        return None
    return value


def _name(params) -> str:
    first, last = (params.get("first_name") or "").strip(), (params.get("last_name") or "").strip()
    if first.isascii() and last.isascii():
        return " ".join(filter(None, [first, last]))
    return f"{last}{first}"  # 张 + 三


def _validated(params, category, problems: list) -> dict:
    """Everything but the order itself, or problems recorded."""
    lat = _coordinate(params, "lat", 90, problems)
    lon = _coordinate(params, "long", 180, problems)
    address_string = (params.get("address_string") or "").strip()
    address_id = (params.get("address_id") or "").strip()
    lat_given, long_given = bool((params.get("lat") or "").strip()), bool((params.get("long") or "").strip())
    if lat_given != long_given:
        problems.append((400, _("lat 和 long 需要同时提供。")))
    elif not (lat_given or address_string or address_id):
        problems.append((400, _("缺少位置：请提供 lat 和 long、address_string 或 address_id 之一。")))
    if len(address_string) > 300:
        problems.append((400, _("address_string 不能超过 300 个字符。")))
    if len(address_id) > 100:
        problems.append((400, _("address_id 不能超过 100 个字符。")))
    description = (params.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        problems.append((400, _("description 不能超过 %(n)d 个字符。") % {"n": MAX_DESCRIPTION}))
    email = (params.get("email") or "").strip()
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            problems.append((400, _("email 格式不正确。")))
    media_url = (params.get("media_url") or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
            if len(media_url) > 500:
                raise ValidationError("too long")
        except ValidationError:
            problems.append((400, _("media_url 不是有效的 http(s) 链接。")))
    submitted = _submitted_attributes(params)
    answers = []
    for attribute in catalogue.attributes(category):
        if attribute.variable:
            answer = _answer(attribute, submitted.get(attribute.code, []), problems)
            if answer is not None:
                answers.append(answer)
    return {
        "lat": lat, "long": lon, "address_string": address_string, "address_id": address_id,
        "description": description, "email": email, "media_url": media_url, "answers": answers,
    }


def _content(category, fields: dict) -> str:
    lines = [fields["description"] or category.name]
    if fields["answers"]:
        lines += ["", _("【附加信息】")] + [f"{answer.attribute.description}：{answer.readable()}" for answer in fields["answers"]]
    if fields["address_id"]:
        lines.append(_("地址编号：%(a)s") % {"a": fields["address_id"]})
    if fields["media_url"]:
        lines.append(_("媒体链接：%(u)s") % {"u": fields["media_url"]})
    return "\n".join(lines)


def _title(category, description: str) -> str:
    first = " ".join(description.split())[:30]
    return f"{category.name}：{first}" if first else category.name


@dataclass
class Submitted:
    request: Open311Request
    created: bool


def submit(params, api_key: Open311Key, idempotency_key: str = "") -> Submitted:
    """Validate a POST and store it as an order, or raise Problem with every error found."""
    code = (params.get("service_code") or "").strip()
    if not code:
        raise _one(400, _("service_code 未提供。"))
    category = catalogue.service(code)
    if category is None:
        raise _one(404, _("service_code “%(c)s” 不存在。") % {"c": code[:50]})
    problems: list = []
    fields = _validated(params, category, problems)
    conf = open311_settings()
    title = _title(category, fields["description"])
    form = Open311IntakeForm(
        data={
            "phone": (params.get("phone") or "").strip(),
            "name": _name(params),
            "order_type": conf.order_type,
            "urgency": Urgency.NORMAL,
            "channel": Channel.OPEN311,
            "category": category.code,
            "title": title,
            "content": _content(category, fields),
            "address": fields["address_string"],
            "latitude": fields["lat"] if fields["lat"] is not None and fields["long"] is not None else "",
            "longitude": fields["long"] if fields["lat"] is not None and fields["long"] is not None else "",
        }
    )
    if not form.is_valid():
        for field, messages in form.errors.items():
            parameter = PARAMETER_OF.get(field, field)
            problems += [(400, f"{parameter}：{message}") for message in messages]
    if problems:
        raise Problem(400, problems)
    clean = form.cleaned_data
    token = new_open311_token()
    inbound = Inbound(
        channel=Channel.OPEN311,
        address=f"open311:{token}",
        body=clean["content"],
        idempotency_key=f"{api_key.pk}:{idempotency_key}"[:255] if idempotency_key else "",
        new_thread=True,  # every submission is a new matter, never a follow-up
        subject=clean["title"],
        name=clean.get("name", ""),
        phone=clean["phone"],
        payload={
            "service_code": category.code,
            "attributes": {answer.attribute.code: answer.stored() for answer in fields["answers"]},
            "email": fields["email"],
            "device_id": (params.get("device_id") or "")[:200],
            "account_id": (params.get("account_id") or "")[:200],
            "address_id": fields["address_id"],
            "media_url": fields["media_url"],
            "api_key": api_key.prefix,
        },
        intake={
            key: clean.get(key)
            for key in ("order_type", "urgency", "category", "title", "address", "latitude", "longitude")
        },
    )
    with transaction.atomic():
        received = receive(inbound)
        if not received.created:
            return Submitted(Open311Request.objects.select_related("order").get(message=received.message), False)
        # The POST's answer (service_request_id or token) is the first response.
        firstresponse.record_reply(received, firstresponse.acknowledgement_text(received.order, received.message.channel))
        request = Open311Request.objects.create(
            message=received.message,
            order=received.order,
            api_key=api_key,
            token=token,
            address_id=fields["address_id"],
            media_url=fields["media_url"],
            attributes=inbound.payload["attributes"],
        )
    return Submitted(request, True)


# ---------------------------------------------------------------- GET


def _csv(value) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def published():
    """The orders Open311 shows: its own (or every channel's, if configured), never voided ones."""
    orders = WorkOrder.objects.exclude(state=State.VOIDED)
    if not open311_settings().publish_all_channels:
        orders = orders.filter(channel=Channel.OPEN311)
    return orders.select_related("category", "current_unit", "master", "open311")


def _is_open(order: WorkOrder) -> bool:
    if order.state == State.MERGED:
        return bool(order.master_id and order.master.state in OPEN_STATES)
    return order.state in OPEN_STATES


OPEN_Q = Q(state__in=OPEN_STATES) | Q(state=State.MERGED, master__state__in=OPEN_STATES)


def _moment_param(params, name: str):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return _parse_moment(raw)
    except ValueError:
        raise _one(400, _("%(p)s 应为 W3C 日期时间，例如 2025-01-01T00:00:00+08:00。") % {"p": name}) from None


def _positive(params, name: str, default: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise _one(400, _("%(p)s 应为正整数。") % {"p": name})
    return int(raw)


def search(params, now=None) -> list[WorkOrder]:
    orders = published().order_by("-created_at", "-id")
    numbers = _csv(params.get("service_request_id"))
    if numbers:  # "This overrides all other arguments."
        return list(orders.filter(number__in=numbers[:MAX_PAGE_SIZE]))
    codes = _csv(params.get("service_code"))
    if codes:
        orders = orders.filter(category__code__in=codes)
    statuses = set(_csv(params.get("status")))
    if statuses - {"open", "closed"}:
        raise _one(400, _("status 只能是 open 或 closed。"))
    if statuses == {"open"}:
        orders = orders.filter(OPEN_Q)
    elif statuses == {"closed"}:
        orders = orders.exclude(OPEN_Q)
    start, end = _moment_param(params, "start_date"), _moment_param(params, "end_date")
    if start is None and end is None:
        end = now or timezone.now()
    if start is None:
        start = end - MAX_WINDOW
    if end is None:
        end = start + MAX_WINDOW
    if end < start:
        raise _one(400, _("end_date 早于 start_date。"))
    if end - start > MAX_WINDOW:
        raise _one(400, _("start_date 到 end_date 不能超过 90 天。"))
    orders = orders.filter(created_at__gte=start, created_at__lte=end)
    page = _positive(params, "page", 1)
    size = min(_positive(params, "page_size", MAX_PAGE_SIZE), MAX_PAGE_SIZE)
    return list(orders[(page - 1) * size : page * size])


def find(number: str) -> WorkOrder | None:
    return published().filter(number=number).first()


def service_notice(order: WorkOrder, cache: dict | None = None) -> str:
    """The handling time the centre's deadline rules promise for this kind of order."""
    cache = {} if cache is None else cache
    key = (order.category_id, order.order_type, order.urgency)
    if key not in cache:
        unit, amount = deadlines.limits_for(order.category, order.order_type, order.urgency).handle
        if unit == "workdays":
            cache[key] = _("一般在受理后 %(n)d 个工作日内办结。") % {"n": amount}
        else:
            hours = amount / 60 if unit == "minutes" else amount
            cache[key] = _("一般在受理后 %(n)s 小时内办结。") % {"n": f"{hours:g}"}
    return cache[key]


def _open311_of(order: WorkOrder) -> Open311Request | None:
    try:
        return order.open311
    except Open311Request.DoesNotExist:
        return None


def document(order: WorkOrder, notices: dict | None = None) -> dict:
    """One `request` element; no personal data, and nothing located for a confidential order."""
    extra = _open311_of(order)
    hidden = order.confidential
    is_open = _is_open(order)
    updated = order.updated_at if is_open else (order.closed_at or order.updated_at)
    if order.state == State.MERGED and order.master_id and not is_open:
        updated = order.master.closed_at or order.master.updated_at
    return {
        "service_request_id": order.number,
        "status": "open" if is_open else "closed",
        "status_notes": str(CITIZEN_STATES.get(order.state, order.get_state_display())),
        "service_name": order.category.name if order.category_id else None,
        "service_code": order.category.code if order.category_id else None,
        "description": None if hidden else order.content,
        "agency_responsible": order.current_unit.name if order.current_unit_id else open311_settings().agency,
        "service_notice": service_notice(order, notices),
        "requested_datetime": order.created_at,
        "updated_datetime": updated,
        "expected_datetime": order.due_at,
        "address": None if hidden else (order.address or None),
        "address_id": None if hidden or extra is None else (extra.address_id or None),
        "zipcode": None,
        "lat": None if hidden or order.latitude is None else float(order.latitude),
        "long": None if hidden or order.longitude is None else float(order.longitude),
        "media_url": None if hidden or extra is None else (extra.media_url or None),
    }
