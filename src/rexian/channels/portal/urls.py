from django.urls import path

from rexian.channels.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new_request, name="new"),
    path("submitted/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("rate/", views.rate_answer, name="rate"),
]
