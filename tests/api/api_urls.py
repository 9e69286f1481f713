"""The site's URLs with the API mounted, until rexian/urls.py mounts it itself."""

from django.urls import path

from rexian.api.api import api
from rexian.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("api/v1/", api.urls), *site_urlpatterns]
