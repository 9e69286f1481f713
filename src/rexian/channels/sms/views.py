"""The SMS provider's webhooks: inbound messages and delivery reports, both signed."""

import json
import logging

from django.http import JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rexian.channels.sms import service
from rexian.channels.sms.conf import sms_config
from rexian.channels.sms.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, problem

log = logging.getLogger("rexian.channels.sms")

MAX_BODY = 16 * 1024


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _authentic_fields(request) -> dict | JsonResponse:
    """The request's fields once size, signature and format are checked; else the error response."""
    config = sms_config()
    if not config.webhook_secret:
        return _error(503, "SMS webhook is not configured")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "bad Content-Length")
    if length > MAX_BODY:
        return _error(413, f"body larger than {MAX_BODY} bytes")
    body = request.body
    if len(body) > MAX_BODY:
        return _error(413, f"body larger than {MAX_BODY} bytes")
    why = problem(
        config.webhook_secret, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER), body,
        config.max_skew_seconds,
    )
    if why:
        log.warning("SMS webhook refused: %s", why)
        return _error(403, why)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "body is not UTF-8")
    if request.content_type == "application/json":
        try:
            fields = json.loads(text)
        except ValueError:
            return _error(400, "body is not valid JSON")
        if not isinstance(fields, dict):
            return _error(400, "JSON body must be an object")
        return fields
    if request.content_type in ("application/x-www-form-urlencoded", ""):
        return QueryDict(text).dict()
    return _error(415, "use application/json or application/x-www-form-urlencoded")


@csrf_exempt
@require_POST
def inbound(request):
    fields = _authentic_fields(request)
    if isinstance(fields, JsonResponse):
        return fields
    try:
        sms = service.inbound_fields(fields)
    except service.Invalid as error:
        return _error(400, str(error))
    received = service.receive_sms(sms)
    return JsonResponse({"status": "accepted" if received.created else "duplicate"})


@csrf_exempt
@require_POST
def status(request):
    fields = _authentic_fields(request)
    if isinstance(fields, JsonResponse):
        return fields
    try:
        report = service.status_fields(fields)
    except service.Invalid as error:
        return _error(400, str(error))
    if report is None:
        return JsonResponse({"status": "ignored"})
    outcome = service.record_status(report)
    if outcome == "unknown":
        return _error(404, "no such message")
    if outcome == "not sent yet":
        return _error(409, "message not sent yet: retry later")
    return JsonResponse({"status": outcome})
