"""The NinjaAPI instance behind /api/v1, and the `/me` endpoint.

Mounted in rexian/urls.py with `path("api/v1/", api.urls)`. Swagger/ReDoc
pages are off (they would load scripts from a CDN); the OpenAPI document is
at /api/v1/openapi.json.
"""

from ninja import NinjaAPI, Schema

from rexian.api import errors
from rexian.api.auth import AUTH
from rexian.api.codec import Renderer, StrictJSONParser
from rexian.api.schemas import Choice, Ref, choice
from rexian.channels.api import router as channels_router
from rexian.directory.api import router as directory_router
from rexian.knowledge.api import router as knowledge_router
from rexian.orders.api import router as orders_router
from rexian.routing.api import router as routing_router


class RexianAPI(NinjaAPI):
    """A NinjaAPI whose every URL answers in JSON, even a wrong method or an unknown path."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        return errors.json_urls(patterns), app_name, namespace


api = RexianAPI(
    title="Rexian API",
    version="1",
    description="12345 政务服务便民热线平台 Rexian 的 JSON API。说明见 docs/api.md。",
    urls_namespace="api-v1",
    docs_url=None,
    auth=AUTH,
    renderer=Renderer(),
    parser=StrictJSONParser(),
)
errors.install(api)
api.add_router("", orders_router)
api.add_router("", directory_router)
api.add_router("", knowledge_router)
api.add_router("", routing_router)
api.add_router("", channels_router)


class UnitOut(Ref):
    full_name: str


class MeOut(Schema):
    username: str
    name: str
    role: Choice
    unit: UnitOut | None


@api.get("/me", response=MeOut, tags=["accounts"], summary="当前用户")
def me(request):
    user = request.user
    unit = user.department
    return {
        "username": user.username,
        "name": user.display_name,
        "role": choice(user.role, user.get_role_display()),
        "unit": {"code": unit.code, "name": unit.name, "full_name": unit.full_name} if unit else None,
    }
