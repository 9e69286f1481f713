from django.urls import path

from rexian.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_edit, name="new"),
    path("suggest/", views.suggest, name="suggest"),
    path("stale/", views.stale, name="stale"),
    path("import/", views.import_file, name="import"),
    path("export.<str:fmt>", views.export, name="export"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("<int:pk>/edit/", views.article_edit, name="edit"),
    path("<int:pk>/not-helpful/", views.not_helpful, name="not_helpful"),
    path("<int:pk>/diff/<int:old>/<int:new>/", views.article_diff, name="diff"),
    path("<int:pk>/<str:action>/", views.article_action, name="action"),
]

public_urlpatterns = [
    path("", views.public_search, name="public_search"),
    path("<int:pk>/", views.public_detail, name="public_detail"),
]
