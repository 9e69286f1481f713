"""Open311 GeoReport v2 endpoints under /open311/v2/ (http://wiki.open311.org/GeoReport_v2).

Every response, errors included, is in the format the URL asks for (.xml or
.json). Only POST requests needs an api_key; reads are public and carry no
personal data.
"""

from functools import wraps

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from rexian.channels import ratelimit
from rexian.channels.models import Open311Request
from rexian.channels.open311 import catalogue
from rexian.channels.open311 import service_requests as requests_
from rexian.channels.open311.conf import open311_settings
from rexian.channels.open311.serializers import errors, respond, w3
from rexian.channels.open311.service_requests import Problem

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ["text/xml", "application/json"]
PERSONAL = ("api_key", "email", "first_name", "last_name", "phone", "device_id", "account_id", "description")


def open311(methods=("GET",), jurisdiction_required=False):
    """Allowed methods, the jurisdiction check and Problem → the spec's error list, in the URL's format."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, fmt, *args, **kwargs):
            if request.method not in methods:
                response = errors(fmt, 405, [(405, _("不支持 %(m)s 方法。") % {"m": request.method})])
                response["Allow"] = ", ".join(methods)
                return response
            params = request.POST if request.method == "POST" else request.GET
            try:
                requests_.check_jurisdiction(params, required=jurisdiction_required and request.method == "POST")
                response = view(request, fmt, params, *args, **kwargs)
            except Problem as problem:
                response = errors(fmt, problem.status, problem.problems)
            if request.method == "GET":
                response["Access-Control-Allow-Origin"] = "*"  # public reads, no credentials: web apps may call them
            return response

        # Error reports (500 mails, debug pages) must not carry what a citizen typed.
        return csrf_exempt(sensitive_post_parameters(*PERSONAL)(wrapper))

    return decorate


@open311()
def discovery(request, fmt, params):
    conf = open311_settings()
    changed = w3(catalogue.changeset()) or "1970-01-01T00:00:00Z"
    endpoint = request.build_absolute_uri(reverse("open311:discovery", args=["xml"])).rsplit("/", 1)[0]
    document = {
        "changeset": changed,
        "contact": conf.contact,
        "key_service": conf.key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint,
                "changeset": changed,
                "type": conf.endpoint_type,
                "formats": FORMATS,
            }
        ],
    }
    return respond(fmt, "discovery", document)


@open311()
def services(request, fmt, params):
    service_type = open311_settings().service_type
    rows = [{**row, "type": service_type} for row in catalogue.service_list()]
    return respond(fmt, "services", rows)


@open311()
def service_definition(request, fmt, params, code):
    category = catalogue.service(code)
    if category is None:
        raise Problem(404, [(404, _("service_code “%(c)s” 不存在。") % {"c": code[:50]})])
    return respond(fmt, "service_definition", catalogue.definition(category))


@open311(methods=("GET", "POST"), jurisdiction_required=True)
def service_requests(request, fmt, params):
    if request.method == "POST":
        return _create(request, fmt, params)
    notices: dict = {}
    rows = [requests_.document(order, notices) for order in requests_.search(params)]
    return respond(fmt, "service_requests", rows)


def _create(request, fmt, params):
    key = requests_.authenticate(params)
    if not ratelimit.hit(open311_settings().posts_per_key, str(key.pk)):
        return errors(fmt, 429, [(429, _("该 api_key 提交过于频繁，请稍后再试。"))])
    submitted = requests_.submit(params, key, request.headers.get("Idempotency-Key", "").strip())
    order = submitted.request.order
    row = (
        {"token": submitted.request.token}
        if open311_settings().service_type == "batch"
        else {"service_request_id": order.number}
    )
    row["service_notice"] = requests_.service_notice(order)
    row["account_id"] = (params.get("account_id") or "").strip() or None
    return respond(fmt, "service_requests", [row], status=201 if submitted.created else 200)


@open311()
def service_request(request, fmt, params, number):
    order = requests_.find(number)
    if order is None:
        raise Problem(404, [(404, _("service_request_id “%(n)s” 不存在。") % {"n": number[:50]})])
    return respond(fmt, "service_requests", [requests_.document(order)])


@open311()
def token(request, fmt, params, token):
    found = Open311Request.objects.select_related("order").filter(token=token).first()
    if found is None:
        raise Problem(404, [(404, _("token “%(t)s” 不存在。") % {"t": token[:50]})])
    return respond(fmt, "service_requests", [{"service_request_id": found.order.number, "token": found.token}])


@csrf_exempt
def unknown(request, path=""):
    fmt = "json" if path.endswith(".json") else "xml"
    return errors(fmt, 404, [(404, _("没有这个 Open311 资源。请查看 discovery.xml，或改用 .xml / .json 后缀。"))])
