"""GeoReport v2 resources; the format is the suffix (.xml required by the spec, .json offered)."""

from django.urls import path, re_path, register_converter

from rexian.channels.open311 import views


class FormatConverter:
    regex = "xml|json"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "open311fmt")

app_name = "open311"
urlpatterns = [
    path("discovery.<open311fmt:fmt>", views.discovery, name="discovery"),
    path("services.<open311fmt:fmt>", views.services, name="services"),
    path("services/<str:code>.<open311fmt:fmt>", views.service_definition, name="service"),
    path("requests.<open311fmt:fmt>", views.service_requests, name="requests"),
    path("requests/<str:number>.<open311fmt:fmt>", views.service_request, name="request"),
    path("tokens/<str:token>.<open311fmt:fmt>", views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.unknown),
]
