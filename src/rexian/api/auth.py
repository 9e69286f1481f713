"""Who is calling: a bearer token (scripts, integrations) or the web UI's session.

A request that carries an Authorization header is judged by its token alone;
it never falls back to a session cookie that happens to ride along.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from rexian.accounts.models import ApiToken
from rexian.api.errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BearerToken(HttpBearer):
    """`Authorization: Bearer rx_…`, a token from `rexian token create USERNAME`."""

    def authenticate(self, request, token: str):
        api_token = ApiToken.objects.authenticate(token)
        if api_token is None:
            return None
        request.user = api_token.user
        return api_token


class SessionCookie(APIKeyCookie):
    """The logged-in web session, with Django's CSRF check on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        # ninja checks CSRF here, before knowing whether anyone is logged in,
        # which turns "not logged in" into 403; the check happens in authenticate().
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if "authorization" in request.headers or not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise ApiError(403, "csrf_failed", _("CSRF 校验失败：网页端请求需带 X-CSRFToken 请求头。"))
        return request.user


AUTH = [BearerToken(), SessionCookie()]
