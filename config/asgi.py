"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

try:
    application = get_asgi_application()
except ImproperlyConfigured as exc:
    # gunicorn shows this one line and stops instead of booting workers that cannot work.
    raise SystemExit(f"guildhall: configuration error: {exc}") from None
