"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    # gunicorn shows this one line and stops instead of booting workers that cannot work.
    raise SystemExit(f"guildhall: configuration error: {exc}") from None
