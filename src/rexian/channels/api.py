"""The citizen's files of an order in the JSON API (docs/api.md): a list, and each file."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from rexian.api.errors import ApiError
from rexian.channels import attachments
from rexian.channels.models import Attachment
from rexian.orders.api import visible_order

router = Router(tags=["附件"])


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
            "received_at": file.message.received_at.isoformat() if file.message.received_at else None,
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
