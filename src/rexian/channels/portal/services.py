"""What the citizen portal does, apart from HTTP: submit, look up, summarise, rate.

Submissions go through `channels.inbound.receive` like every other channel,
with the form token as idempotency key, so a double submit is one order.
Each submission is its own conversation (address ``portal:<token>``): a
citizen who files two matters on the web gets two orders, not one order with
a "补充信息" event. Nothing about the citizen is logged.
"""

import hashlib
import logging
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rexian.accounts.models import User
from rexian.accounts.roles import Role
from rexian.channels import firstresponse
from rexian.channels.inbound import Inbound, Received, receive
from rexian.channels.models import Attachment, Direction, Message, OnlineRating, TrackingCode
from rexian.channels.portal.conf import portal_settings
from rexian.channels.portal.forms import sniff_image
from rexian.core.masking import normalize_phone
from rexian.orders.choices import AssignmentRole, ReviewStatus, State
from rexian.orders.models import Reply, WorkOrder, WorkOrderEvent
from rexian.orders.services import workflow
from rexian.orders.services.errors import WorkflowError

log = logging.getLogger("rexian.channels.portal")

CHANNEL = "web"
RATING_USERNAME = "portal-rating"


def idempotency_key(form_token: str) -> str:
    return f"portal:{form_token}"


def already_received(form_token: str) -> Message | None:
    return (
        Message.objects.select_related("order")
        .filter(channel=CHANNEL, direction=Direction.INBOUND, idempotency_key=idempotency_key(form_token))
        .first()
    )


# ---------------------------------------------------------------- submit


def submit(form, form_token: str, now=None) -> Received:
    """Store a valid `RequestForm` as a message, its order and its photos, all or nothing."""
    data = form.cleaned_data
    photos = data.get("photos") or []
    inbound = Inbound(
        channel=CHANNEL,
        address=f"portal:{form_token}",
        body=data["content"],
        idempotency_key=idempotency_key(form_token),
        new_thread=True,  # every submission is a new matter, never a follow-up
        subject=data["title"],
        name=data.get("name", ""),
        phone=data["phone"],
        payload={"source": "portal", "photos": len(photos)},
        intake=form.intake(),
    )
    stored: list[str] = []
    try:
        with transaction.atomic():
            received = receive(inbound, now=now)
            if received.created:
                for index, upload in enumerate(photos, start=1):
                    attach_photo(received.message, upload, index, stored)
                # The confirmation page with the tracking code is the first response.
                firstresponse.record_reply(received, firstresponse.acknowledgement_text(received.order, CHANNEL), now=now)
    except Exception:
        # The rows rolled back; files written before the failure must go too.
        for name in stored:
            Attachment.file.field.storage.delete(name)
        raise
    if received.created:
        log.info("portal request stored as order %s with %d photo(s)", received.order.number, len(photos))
    return received


def attach_photo(message: Message, upload, index: int, stored: list[str]) -> Attachment:
    """Store a photo already checked (`sniff_image`, size) as the message's attachment 照片<index>.

    The file's name goes into `stored` before the row is saved, so a caller
    whose transaction fails can delete it; the WeChat image download uses it too.
    """
    content_type = sniff_image(upload)
    digest, chunks = hashlib.sha256(), []
    for chunk in upload.chunks():
        digest.update(chunk)
        chunks.append(chunk)
    sha256 = digest.hexdigest()
    extension = "jpg" if content_type == "image/jpeg" else "png"
    attachment = Attachment(
        message=message,
        filename=f"照片{index}.{extension}",  # the citizen's own file name may carry personal data
        content_type=content_type,
        size=upload.size,
        sha256=sha256,
    )
    attachment.file.save(f"{sha256[:32]}.{extension}", ContentFile(b"".join(chunks)), save=False)
    stored.append(attachment.file.name)
    attachment.save()
    return attachment


# ---------------------------------------------------------------- look up


def find(code: str, contact: str) -> WorkOrder | None:
    """The order with this tracking code whose contact is `contact`: its phone,
    or for an order that came by e-mail the address it came from (e-mail
    orders have no phone). None for any mismatch."""
    tracking = TrackingCode.objects.select_related("order").filter(code=code.strip().upper()).first()
    if "@" in contact:
        # Asked even for an unknown code, so timing does not tell codes apart.
        came_from = Message.objects.filter(
            order_id=tracking.order_id if tracking else 0, channel="email", direction=Direction.INBOUND,
            sender=contact.strip().lower(),
        ).exists()
        return tracking.order if came_from else None  # order_id 0 never matches
    wanted = normalize_phone(contact)
    actual = tracking.order.contact_phone if tracking else "\0"
    # Compare even when the code is unknown, so timing does not tell codes apart.
    if not constant_time_compare(actual, wanted) or tracking is None or not wanted:
        return None
    return tracking.order


# States as a citizen reads them: no internal vocabulary (退单, 待审核 …).
CITIZEN_STATES = {
    State.REGISTERED: gettext_lazy("已受理，等待分派"),
    State.DISPATCHED: gettext_lazy("已转交承办单位"),
    State.RETURNED: gettext_lazy("正在重新分派"),
    State.HANDLING: gettext_lazy("办理中"),
    State.REPLIED: gettext_lazy("承办单位已答复，正在审核"),
    State.CALLBACK: gettext_lazy("已答复，等待回访"),
    State.CLOSED: gettext_lazy("已办结"),
    State.MERGED: gettext_lazy("已与同类诉求合并办理"),
    State.TRANSFERRED: gettext_lazy("已转交紧急处置部门"),
    State.VOIDED: gettext_lazy("不予受理"),
}

def _step(event) -> str:
    """A citizen's line for an event, or "" for events they are not shown (notes, returns, supervision)."""
    unit = event.unit.name if event.unit_id else _("承办单位")
    action, data = event.action, event.data or {}
    if action == "register":
        return _("您的诉求已受理")
    if action in ("dispatch", "reassign", "designate", "pass_down"):
        return _("已转交%(unit)s办理") % {"unit": unit}
    if action == "accept":
        return _("%(unit)s已签收，正在办理") % {"unit": unit} if data.get("role", AssignmentRole.LEAD) == AssignmentRole.LEAD else ""
    if action == "approve_extension":
        return _("办理时限已延长")
    if action == "reply":
        return _("承办单位已答复，热线中心正在审核")
    if action in ("approve", "direct_answer", "follow_master"):
        return _("已正式答复")
    if action == "merge":
        return _("已与同类诉求合并办理")
    if action in ("redo", "follow_master_redo"):
        return _("已重新办理")
    if action == "callback":
        return _("回访完成，已办结")
    if action == "transfer":
        return _("已转交 %(t)s 处理") % {"t": data.get("target", "")}
    if action == "void":
        return _("经核实不予受理")
    if action == "citizen_message":
        return _("您补充了信息")
    if action == "citizen_rating":
        return _("您已网上评价")
    return ""


@dataclass
class CitizenStatus:
    order: WorkOrder
    state: str
    steps: list = field(default_factory=list)  # (time, text)
    answer: Reply | None = None
    rating: OnlineRating | None = None

    @property
    def can_rate(self) -> bool:
        return self.answer is not None and self.rating is None and self.order.state in (State.CALLBACK, State.CLOSED)


def approved_answer(order: WorkOrder) -> Reply | None:
    """The latest approved reply (the master's, for a merged order)."""
    source_id = order.master_id or order.pk
    return (
        Reply.objects.select_related("unit")
        .filter(order_id=source_id, review_status=ReviewStatus.APPROVED)
        .order_by("-created_at", "-id")
        .first()
    )


def status(order: WorkOrder) -> CitizenStatus:
    steps = []
    for event in order.events.select_related("unit").order_by("created_at", "id"):
        text = _step(event)
        if text and (not steps or steps[-1][1] != text):
            steps.append((event.created_at, text))
    answer = approved_answer(order) if order.state in (State.CALLBACK, State.CLOSED, State.MERGED) else None
    rating = OnlineRating.objects.filter(order=order, reply=answer).first() if answer else None
    return CitizenStatus(order, str(CITIZEN_STATES.get(order.state, order.get_state_display())), steps, answer, rating)


# ---------------------------------------------------------------- rate


class RatingRefused(Exception):
    pass


def rating_user() -> User:
    """The portal's system user (role 回访员) in whose name an online rating completes a callback.

    Created on first use with an unusable password: nobody can log in as it.
    Deactivating it in the admin turns automatic completion off.
    """
    user, _created = User.objects.get_or_create(
        username=RATING_USERNAME,
        defaults={"role": Role.CALLBACK, "first_name": _("网上评价（系统）"), "password": make_password(None)},
    )
    return user


def rate(order: WorkOrder, result: str, comment: str = "", now=None) -> OnlineRating:
    """Record the citizen's rating of the current answer; it completes a waiting callback when satisfied.

    不满意 never closes anything by itself: a callback agent calls back, explains
    or sends the order to be handled again, and sees this rating on the order.
    """
    now = now or timezone.now()
    comment = comment.strip()
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update().get(pk=order.pk)
        current = status(order)
        if current.answer is None or order.state not in (State.CALLBACK, State.CLOSED):
            raise RatingRefused(_("该诉求还没有正式答复，答复后才能评价。"))
        if current.rating is not None:
            raise RatingRefused(_("您已评价过本次答复，感谢您的反馈。"))
        try:
            with transaction.atomic():
                rating = OnlineRating.objects.create(order=order, reply=current.answer, result=result, comment=comment, created_at=now)
        except IntegrityError:
            raise RatingRefused(_("您已评价过本次答复，感谢您的反馈。")) from None
        WorkOrderEvent.objects.create(
            order=order, action="citizen_rating", from_state=order.state, to_state=order.state,
            note=comment[:500], data={"channel": CHANNEL, "result": result}, created_at=now,
        )
        if order.state == State.CALLBACK and result != OnlineRating.Result.DISSATISFIED and portal_settings().rating_closes_callback:
            user = rating_user()
            if user.has_role(Role.CALLBACK):
                note = _("市民网上评价：%(r)s") % {"r": rating.get_result_display()} + (f"。{comment}" if comment else "")
                try:
                    workflow.perform(order, "callback", user, {"result": result, "note": note[:1000]})
                except WorkflowError:
                    # The callback was taken meanwhile: the rating stays on record, the order as it is.
                    log.info("online rating on %s left the callback as it was", order.number)
                else:
                    rating.closed_callback = True
                    rating.save(update_fields=["closed_callback"])
    return rating
