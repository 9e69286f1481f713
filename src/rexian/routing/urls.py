from django.urls import path

from rexian.routing import views

app_name = "routing"
urlpatterns = [
    path("hot-issues/", views.hot_issue_list, name="hot_issues"),
    path("accuracy/", views.accuracy_page, name="accuracy"),
]
