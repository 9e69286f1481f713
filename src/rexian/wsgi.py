import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from rexian.core.server import behind_proxies

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rexian.settings")
application = behind_proxies(get_wsgi_application(), settings.TRUSTED_PROXIES)
