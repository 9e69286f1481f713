"""Every API error as JSON `{"code", "message", "details"}`, from one place.

Service errors (WorkflowError) and the API's own errors (ApiError) carry the
same four attributes and become responses in one function, `coded_error`;
the other handlers translate what ninja and Django raise into the same shape.
"""

import logging
from functools import wraps

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from rexian.orders.services.errors import WorkflowError

logger = logging.getLogger("rexian.api")

# Endpoints name their body parameter `payload` and their query schema
# `filters`; these wrap the fields and are dropped from field names.
WRAPPER_PARAMS = {"payload", "filters"}
# Errors about the body as a whole (not JSON, not an object, missing), filed
# like a form's non-field errors: no field can be called that.
WHOLE_BODY = "__all__"


class ApiError(Exception):
    """An error the API layer itself raises (not found, CSRF, a bad header)."""

    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def invalid_input(message: str, errors: dict[str, list[str]]) -> ApiError:
    return ApiError(422, "invalid_input", message, errors=errors)


def invalid_fields(errors: dict[str, list[str]]) -> ApiError:
    return invalid_input(_("请求参数有误，请按字段提示修改后重试。"), errors)


def error_response(status: int, code: str, message: str, details: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": str(message), "details": details or {}},
        status=status,
        encoder=DjangoJSONEncoder,
        json_dumps_params={"ensure_ascii": False},
    )


def coded_error(request, exc: WorkflowError | ApiError) -> HttpResponse:
    response = error_response(exc.status, exc.code, exc.message, exc.details)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="rexian"'
    return response


# Pydantic's messages are English; the forms' are Chinese. Type errors are
# translated so one response does not mix languages; the rest pass through.
_TYPE_MESSAGES = {
    "missing": "必填。",
    "string_type": "应为字符串。",
    "int_type": "应为整数。",
    "int_parsing": "应为整数。",
    "int_from_float": "应为整数。",
    "bool_type": "应为布尔值 true 或 false。",
    "bool_parsing": "应为布尔值 true 或 false。",
    "decimal_type": "应为数字。",
    "decimal_parsing": "应为数字。",
    "float_type": "应为数字。",
    "float_parsing": "应为数字。",
    "list_type": "应为数组。",
    "dict_type": "应为 JSON 对象。",
    "model_type": "应为 JSON 对象。",
    "model_attributes_type": "应为 JSON 对象。",
    "extra_forbidden": "不支持的字段。",
    "enum": "应为以下之一：{expected}。",
    "literal_error": "应为以下之一：{expected}。",
    "less_than_equal": "不能大于 {le}。",
    "greater_than_equal": "不能小于 {ge}。",
    "string_too_long": "不能超过 {max_length} 个字符。",
    "datetime_type": "应为 ISO 8601 日期或时间，例如 2025-03-01 或 2025-03-01T08:00:00+08:00。",
    "datetime_parsing": "应为 ISO 8601 日期或时间，例如 2025-03-01 或 2025-03-01T08:00:00+08:00。",
    "datetime_from_date_parsing": "应为 ISO 8601 日期或时间，例如 2025-03-01 或 2025-03-01T08:00:00+08:00。",
}


def _field_name(loc) -> str:
    source, *parts = loc
    if parts and parts[0] in WRAPPER_PARAMS and (len(parts) > 1 or source == "body"):
        parts = parts[1:]
    # List indexes are dropped: form fields report errors per field, not per item.
    return ".".join(str(part) for part in parts if not isinstance(part, int)) or WHOLE_BODY


def _message(error: dict) -> str:
    template = _TYPE_MESSAGES.get(error.get("type", ""))
    if template is None:
        return error.get("msg", "")
    return template.format(**error.get("ctx", {}))


def field_errors(errors: list[dict], source: str | None = None) -> dict[str, list[str]]:
    """Ninja's error items → `{"field": ["message", …]}`, the forms' shape.

    A ninja `loc` starts with where the value came from ("body", "query" …);
    pass `source` for plain pydantic errors, whose `loc` does not.
    """
    result: dict[str, list[str]] = {}
    for error in errors:
        loc = (source, *error["loc"]) if source else tuple(error["loc"])
        result.setdefault(_field_name(loc), []).append(_message(error))
    return result


def _validation_error(request, exc: ValidationError) -> HttpResponse:
    return coded_error(request, invalid_fields(field_errors(exc.errors)))


def _http_error(request, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return coded_error(request, ApiError(401, "unauthorized", _("缺少或无效的 API 令牌，或登录已过期。")))
    if exc.status_code == 400 and exc.__cause__ is not None:
        # ninja wraps whatever the parser raised: JSONDecodeError, UnicodeDecodeError, RecursionError.
        detail = str(exc.__cause__)
        return coded_error(request, invalid_input(_("请求体不是合法的 JSON。"), {WHOLE_BODY: [detail]}))
    code = {403: "forbidden", 404: "not_found", 429: "throttled"}.get(exc.status_code, "bad_request")
    return error_response(exc.status_code, code, exc.message)


def not_found_response(request=None, exc=None) -> HttpResponse:
    return error_response(404, "not_found", _("没有这个资源。"))


def _too_large(request, exc) -> HttpResponse:
    return error_response(413, "payload_too_large", _("请求体过大。"))


def _suspicious(request, exc) -> HttpResponse:
    # e.g. more than DATA_UPLOAD_MAX_NUMBER_FIELDS query parameters
    return error_response(400, "bad_request", _("请求不合规范。"))


def _server_error(request, exc) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "server_error", _("服务器内部错误，已记录，请稍后重试。"))


def install(api) -> None:
    """Replace ninja's default handlers (`{"detail": …}`, HTML tracebacks)."""
    api.add_exception_handler(WorkflowError, coded_error)
    api.add_exception_handler(ApiError, coded_error)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, not_found_response)
    api.add_exception_handler(RequestDataTooBig, _too_large)
    api.add_exception_handler(SuspiciousOperation, _suspicious)
    api.add_exception_handler(Exception, _server_error)


def _json_fallbacks(view):
    """Answer in JSON where ninja's URL views answer plain text: 405 and a raised Http404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found_response()
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = sorted(method.strip() for method in response.get("Allow", "").split(",") if method.strip())
            json_response = error_response(
                405, "method_not_allowed", _("不支持 %(m)s 方法。") % {"m": request.method}, {"allowed": allowed}
            )
            json_response["Allow"] = ", ".join(allowed)
            return json_response
        return response

    return wrapper


def _catch_all(request, *args, **kwargs):
    return not_found_response()


_catch_all.csrf_exempt = True


def json_urls(patterns: list) -> list:
    """The API's URL patterns, plus a last one so unknown paths get JSON 404, not HTML."""
    wrapped = [
        URLPattern(pattern.pattern, _json_fallbacks(pattern.callback), pattern.default_args, pattern.name)
        if isinstance(pattern, URLPattern)
        else pattern
        for pattern in patterns
    ]
    return [*wrapped, re_path(r"^", _catch_all, name="not-found")]
