from django.contrib import admin
from django.urls import include, path

from rexian.api.api import api
from rexian.channels import attachments
from rexian.knowledge.urls import public_urlpatterns as public_knowledge
from rexian.orders.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("rexian.accounts.urls")),
    path("orders/", include("rexian.orders.urls")),
    path("knowledge/", include("rexian.knowledge.urls")),
    path("routing/", include("rexian.routing.urls")),
    path("dashboards/", include("rexian.dashboards.urls")),
    path("public/knowledge/", include((public_knowledge, "public_knowledge"))),
    path("api/v1/", api.urls),
    path("portal/", include("rexian.channels.portal.urls")),
    path("open311/v2/", include("rexian.channels.open311.urls")),
    path("channels/sms/", include("rexian.channels.sms.urls")),
    path("channels/wechat/", include("rexian.channels.wechat.urls")),
    path("channels/attachments/<int:pk>/", attachments.download, name="channel_attachment"),
]
