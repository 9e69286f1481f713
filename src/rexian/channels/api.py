"""An order's channel correspondence and the citizen's files in the JSON API (docs/api.md)."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from rexian.api.errors import ApiError
from rexian.channels import attachments
from rexian.channels.models import Attachment
from rexian.core.masking import MASK
from rexian.orders import privacy
from rexian.orders.api import visible_order

router = Router(tags=["渠道往来与附件"])


class MessageOut(Schema):
    id: int
    direction: str
    channel: str
    status: str
    status_label: str
    address: str
    subject: str
    body: str
    created_at: str
    sent_at: str | None
    delivered_at: str | None
    attempts: int
    last_error: str


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@router.get("/orders/{number}/messages", response=list[MessageOut], summary="渠道往来（市民来信、答复及送达情况）")
def list_messages(request, number: str):
    order = visible_order(request.user, number, full=False)
    # The addresses are the citizen's personal data: shown, and audited, as on the order page.
    hidden = privacy.audited_citizen_view(order, request.user, request, via="api").hidden
    return [
        {
            "id": message.pk,
            "direction": message.direction,
            "channel": message.channel,
            "status": message.status,
            "status_label": message.get_status_display(),
            "address": MASK if hidden else message.counterpart,
            "subject": message.subject_for_staff,
            "body": message.body_for_staff,  # the citizen's 查询码 masked: see Message.body_for_staff
            "created_at": message.created_at.isoformat(),
            "sent_at": _iso(message.sent_at),
            "delivered_at": _iso(message.delivered_at),
            "attempts": message.attempts,
            "last_error": message.last_error,
        }
        for message in order.channel_messages.all()
    ]


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    channel: str
    received_at: str | None
    url: str


@router.get("/orders/{number}/attachments", response=list[AttachmentOut], summary="工单附件（市民上传的照片等）")
def list_attachments(request, number: str):
    order = visible_order(request.user, number, full=False)
    files = Attachment.objects.filter(message__order=order).select_related("message")
    return [
        {
            "id": file.pk,
            "filename": file.filename,
            "content_type": file.content_type,
            "size": file.size,
            "sha256": file.sha256,
            "channel": file.message.channel,
            "received_at": _iso(file.message.received_at),
            "url": f"{request.path.rstrip('/')}/{file.pk}",
        }
        for file in files.order_by("message__created_at", "id")
    ]


@router.get("/orders/{number}/attachments/{pk}", summary="下载附件（照片内联显示，其他文件作为下载）")
def get_attachment(request, number: str, pk: int):
    order = visible_order(request.user, number, full=False)
    file = Attachment.objects.filter(message__order=order, pk=pk).first()
    if file is None:
        raise ApiError(404, "not_found", _("附件不存在或您无权查看。"))
    try:
        return attachments.file_response(file)
    except Http404:
        raise ApiError(404, "not_found", _("附件文件已不存在。")) from None
