from django.urls import path

from rexian.channels.wechat import views

app_name = "wechat"
urlpatterns = [
    path("callback", views.callback, name="callback"),
]
