"""The JSON API under /api/v1 (django-ninja): shared plumbing for the apps' routers."""
