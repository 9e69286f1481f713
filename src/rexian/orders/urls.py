from django.urls import path

from rexian.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("intake/", views.intake, name="intake"),
    path("overview/", views.overview, name="overview"),
    path("<str:number>/", views.detail, name="detail"),
]
