"""Files citizens sent with their request (portal and WeChat photos, e-mail
attachments), served to staff who may see the order: on the order's page and
through the API.

Photos proven by their first bytes are shown inline. Anything else came from
the sender as it was (an e-mail may carry HTML or a script named .jpg) and is
only ever offered as a download, never rendered by the browser in our origin.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from rexian.channels.models import Attachment
from rexian.channels.portal.forms import sniff_image
from rexian.orders.models import WorkOrder


def visible(user):
    """The attachments of the orders `user` may see."""
    return Attachment.objects.filter(message__order__in=WorkOrder.objects.visible_to(user))


def file_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("文件已不存在。") from None
    shown = sniff_image(handle)  # None unless the bytes are a JPEG or PNG
    response = FileResponse(
        handle,
        as_attachment=shown is None,
        filename=attachment.filename,
        content_type=shown or "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def download(request, pk: int):
    return file_response(get_object_or_404(visible(request.user), pk=pk))
