"""The citizen portal (no login): file a request, follow it with code and phone, rate the answer.

Phone numbers and tracking codes travel only in POST bodies, never in URLs,
so they stay out of access logs; the status page is the POST's response.
"""

from django.core import signing
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from rexian.channels import ratelimit
from rexian.channels.models import TrackingCode
from rexian.channels.portal import challenge
from rexian.channels.portal.conf import portal_settings
from rexian.channels.portal.forms import RatingForm, RequestForm, TrackForm
from rexian.channels.portal.services import RatingRefused, already_received, find, rate, status, submit
from rexian.core.audit import client_ip
from rexian.orders.models import WorkOrder

ACCESS_SALT = "rexian.channels.portal.access"
ACCESS_MAX_AGE = 3600  # a status page's rating form stays usable for an hour
NOT_FOUND = gettext_lazy("没有找到匹配的诉求，请核对查询码和手机号码（来信请核对邮箱）。")


def _ip(request) -> str:
    return client_ip(request) or "unknown"


def _limited(request, message: str):
    return render(request, "channels/portal/limited.html", {"message": message}, status=429)


def index(request):
    return render(request, "channels/portal/index.html")


def _request_page(request, form, question, status=200, challenge_error=""):
    context = {"form": form, "challenge": question, "challenge_error": challenge_error}
    return render(request, "channels/portal/new.html", context, status=status)


@sensitive_post_parameters("name", "phone", "content", "address", "title")
@require_http_methods(["GET", "POST"])
def new_request(request):
    conf = portal_settings()
    if request.method == "GET":
        form = RequestForm(max_count=conf.photo_max_count, max_bytes=conf.photo_max_bytes)
        return _request_page(request, form, challenge.issue())
    form = RequestForm(request.POST, request.FILES, max_count=conf.photo_max_count, max_bytes=conf.photo_max_bytes)
    signed = request.POST.get("form_token", "")
    earlier_token = challenge.token_of(signed, conf.challenge_max_age)
    if earlier_token and (message := already_received(earlier_token)):
        return _show_submitted(request, message.order)  # a double submit: the first one's order
    if not ratelimit.hit(conf.submit_per_ip, _ip(request)):
        return _limited(request, _("提交过于频繁，请稍后再试，或拨打 12345 热线反映。"))
    try:
        token = challenge.verify(signed, request.POST.get("answer", ""), conf.challenge_max_age)
    except challenge.ChallengeFailed as failure:
        form.is_valid()  # show the other fields' errors too, in one round
        return _request_page(request, form, challenge.issue(earlier_token), status=400, challenge_error=str(failure))
    if not form.is_valid():
        return _request_page(request, form, challenge.issue(token), status=400)
    if ratelimit.exceeded(conf.submit_per_phone, form.cleaned_data["phone"]):
        return _limited(request, _("该手机号码今天提交的诉求已达上限，请明天再试，或拨打 12345 热线反映。"))
    received = submit(form, token)
    if received.created:
        ratelimit.hit(conf.submit_per_phone, form.cleaned_data["phone"])
    return _show_submitted(request, received.order)


def _show_submitted(request, order):
    request.session["portal_submitted"] = order.pk
    return redirect("portal:submitted")


def submitted(request):
    order_id = request.session.get("portal_submitted")
    tracking = TrackingCode.objects.select_related("order").filter(order_id=order_id).first() if order_id else None
    if tracking is None:
        return redirect("portal:track")
    form = TrackForm(initial={"code": tracking.code})
    return render(request, "channels/portal/submitted.html", {"order": tracking.order, "code": tracking.code, "track_form": form})


def _status_page(request, order: WorkOrder, rating_form=None, notice="", error="", status_code=200):
    access = signing.dumps(order.pk, salt=ACCESS_SALT)
    context = {
        "status": status(order),
        "rating_form": rating_form or RatingForm(initial={"access": access}),
        "notice": notice,
        "error": error,
    }
    return render(request, "channels/portal/status.html", context, status=status_code)


@sensitive_post_parameters("code", "phone")
@require_http_methods(["GET", "POST"])
def track(request):
    if request.method == "GET":
        return render(request, "channels/portal/track.html", {"form": TrackForm()})
    conf = portal_settings()
    if not ratelimit.hit(conf.lookup_per_ip, _ip(request)):
        return _limited(request, _("查询过于频繁，请一小时后再试。"))
    form = TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "channels/portal/track.html", {"form": form}, status=400)
    code = form.cleaned_data["code"]
    # Failures are counted per code as typed, found or not, so the limit tells nothing about codes.
    if ratelimit.exceeded(conf.lookup_failures_per_code, code):
        return _limited(request, _("该查询码查询失败次数过多，请一小时后再试。"))
    order = find(code, form.cleaned_data["phone"])
    if order is None:
        ratelimit.hit(conf.lookup_failures_per_code, code)
        form.add_error(None, NOT_FOUND)
        return render(request, "channels/portal/track.html", {"form": form}, status=404)
    return _status_page(request, order)


@sensitive_post_parameters("access", "comment")
@require_POST
def rate_answer(request):
    form = RatingForm(request.POST)
    try:
        order_id = signing.loads(request.POST.get("access", ""), salt=ACCESS_SALT, max_age=ACCESS_MAX_AGE)
        order = WorkOrder.objects.get(pk=order_id)
    except (signing.BadSignature, WorkOrder.DoesNotExist, TypeError, ValueError):
        error = _("页面已过期，请重新输入查询码和手机号码后再评价。")
        return render(request, "channels/portal/track.html", {"form": TrackForm(), "error": error}, status=400)
    if not form.is_valid():
        return _status_page(request, order, rating_form=form, status_code=400)
    try:
        rate(order, form.cleaned_data["result"], form.cleaned_data["comment"])
    except RatingRefused as refusal:
        return _status_page(request, order, error=str(refusal), status_code=409)
    order.refresh_from_db()
    return _status_page(request, order, notice=_("感谢您的评价！"))
