"""The pictures citizens send on WeChat: fetched by the worker, stored like portal photos.

The callback only writes a pending `MediaDownload` with its message (it must
answer within 5 seconds and calls nothing). `fetch_due()` claims due rows one
at a time with a conditional UPDATE (pending → fetching, or a fetching row
whose worker vanished more than `CLAIM_LEASE` ago), so two workers never fetch
the same picture; it asks WeChat's temporary-media API for the bytes, checks
them as the portal checks an upload (size limit, JPEG or PNG by the first
bytes) and stores them as an `Attachment` of the message.

Temporary failures are retried with the outbox's backoff, up to its
`MAX_ATTEMPTS`; errcodes other than busy / rate limits, a body that is not a
picture or is too large are final. WeChat keeps temporary media for 3 days, so
a row older than that fails without another request. Nothing about the
citizen is logged: rows are named by id and order number.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from rexian.channels.models import Attachment, DownloadStatus, MediaDownload
from rexian.channels.outbox import MAX_ATTEMPTS, GatewayError, backoff, claim, due
from rexian.channels.portal.conf import portal_settings
from rexian.channels.portal.forms import sniff_image
from rexian.channels.portal.services import attach_photo
from rexian.channels.wechat.api import WeChatApi

log = logging.getLogger("rexian.channels.wechat")

MEDIA_LIFETIME = timedelta(days=3)  # WeChat deletes temporary media (临时素材) after 3 days
EXPIRED = "微信临时素材已过期（保存 3 天），图片未能下载"


def _due(now):
    return due(DownloadStatus.PENDING, DownloadStatus.FETCHING, now)


def expire(now) -> int:
    """Fail every unfinished download older than WeChat keeps the media: one more request could only fail."""
    return MediaDownload.objects.filter(_due(now), created_at__lte=now - MEDIA_LIFETIME).update(
        status=DownloadStatus.FAILED, last_error=EXPIRED, next_attempt_at=None, finished_at=now
    )


def _claim(now) -> MediaDownload | None:
    pk = claim(
        MediaDownload.objects.all(), _due(now),
        status=DownloadStatus.FETCHING, next_attempt_at=now, attempts=F("attempts") + 1,
    )
    return MediaDownload.objects.select_related("message__order").get(pk=pk) if pk else None


@dataclass
class FetchResult:
    stored: int = 0
    retried: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.stored or self.retried or self.failed)


def fetch_due(api: WeChatApi, now=None, limit: int = 20) -> FetchResult:
    """Fetch at most `limit` due pictures, one claim at a time."""
    result = FetchResult(failed=expire(now or timezone.now()))
    for _ in range(limit):
        download = _claim(now or timezone.now())
        if download is None:
            break
        _fetch(api, download, result)
    return result


def _check(body: bytes, max_bytes: int) -> None:
    """The portal's photo checks on WeChat's bytes; a failure is final."""
    if len(body) > max_bytes:
        raise GatewayError(f"图片超过 {max_bytes // (1024 * 1024)} MB，未保存", permanent=True)
    if not body or sniff_image(ContentFile(body)) is None:
        raise GatewayError("微信返回的内容不是 JPEG 或 PNG 图片，未保存", permanent=True)


def _fetch(api: WeChatApi, download: MediaDownload, result: FetchResult) -> None:
    max_bytes = portal_settings().photo_max_bytes
    try:
        body = api.get_media(download.media_id, max_bytes)
        _check(body, max_bytes)
    except GatewayError as error:
        _failed(download, error, result)
        return
    stored: list[str] = []
    try:
        with transaction.atomic():
            # Still ours? A worker that outlived its lease was replaced; the newer claim raised attempts.
            row = MediaDownload.objects.select_for_update().filter(
                pk=download.pk, status=DownloadStatus.FETCHING, attempts=download.attempts
            ).first()
            if row is None:
                log.warning("WeChat picture download %s was claimed again meanwhile; dropped", download.pk)
                return
            index = download.message.attachments.count() + 1
            row.attachment = attach_photo(download.message, ContentFile(body), index, stored)
            row.status, row.last_error, row.next_attempt_at = DownloadStatus.DONE, "", None
            row.finished_at = timezone.now()
            row.save(update_fields=["attachment", "status", "last_error", "next_attempt_at", "finished_at"])
    except Exception:
        for name in stored:  # the rows rolled back; the file must go too
            Attachment.file.field.storage.delete(name)
        raise
    result.stored += 1
    order = download.message.order
    log.info("WeChat picture %s stored on order %s", download.pk, order.number if order else "-")


def _failed(download: MediaDownload, error: GatewayError, result: FetchResult) -> None:
    final = error.permanent or download.attempts >= MAX_ATTEMPTS
    now = timezone.now()
    changes = {
        "status": DownloadStatus.FAILED if final else DownloadStatus.PENDING,
        "last_error": str(error)[:500],
        "next_attempt_at": None if final else now + backoff(download.attempts),
        "finished_at": now if final else None,
    }
    # Conditional like the claim: a row claimed again meanwhile belongs to the newer attempt.
    MediaDownload.objects.filter(pk=download.pk, status=DownloadStatus.FETCHING, attempts=download.attempts).update(
        **changes
    )
    log.warning("WeChat picture download %s attempt %s failed: %s", download.pk, download.attempts, error)
    if final:
        result.failed += 1
    else:
        result.retried += 1
