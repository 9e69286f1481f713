"""Refusing NUL characters in the path and the query string before any view sees them.

PostgreSQL text cannot hold U+0000: a filter or search containing one fails
inside the database (a 500), while SQLite just finds nothing. Django's form
fields already refuse NUL in submitted forms; query-string parameters read by
views and API schemas do not, so they are checked here, once, for every
request. (Request bodies are left alone: parsing them here would change how
the views report an oversized upload.)
"""

from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

NUL = "\x00"


def _has_nul(request) -> bool:
    if NUL in request.path:
        return True
    try:
        query = request.GET
    except SuspiciousOperation:  # too many parameters: left for the view's own error handling
        return False
    return any(NUL in key or any(NUL in value for value in values) for key, values in query.lists())


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            message = _("请求中含有空字符（U+0000），无法处理：请删除后重试。")
            if request.path.startswith("/api/"):
                from rexian.api.errors import error_response  # the API's error shape

                return error_response(400, "bad_request", message)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
