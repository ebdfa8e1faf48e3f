"""The health endpoint."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connections
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

logger = logging.getLogger("guildhall.health")

CHECK_TIMEOUT_SECONDS = 2


def check_database(alias: str = "default") -> str | None:
    """None when the database answers a query, else what went wrong."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the reason is reported, not raised
        connections[alias].close_if_unusable_or_obsolete()
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def check_broker() -> str | None:
    """None when the Celery broker is reachable, else what went wrong."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".health-", delete=True):
                pass
        except OSError as exc:
            return f"filesystem broker folder {folder} is not writable: {exc}"
        return None
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except Exception as exc:  # connection refused, timeout, auth: all mean "down"
        return f"{type(exc).__name__}: {exc}".strip()
    finally:
        client.close()
    return None


def check_cache() -> str | None:
    """None when the cache answers (or is the per-process memory cache), else what went wrong."""
    from django.core.cache import caches

    backend = caches["default"]
    if not hasattr(backend, "ping"):
        return None
    try:
        backend.ping()
    except Exception as exc:  # connection refused, timeout: the cache is down
        return f"{type(exc).__name__}: {exc}".strip()
    return None


# Without these the site does not work (503: take it out of the load balancer); without the
# others it works more slowly or less shared (200, "degraded").
ESSENTIAL = ("database", "broker")


HealthSerializer = inline_serializer(
    name="Health",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "degraded", "down"]),
        "down": serializers.ListField(child=serializers.CharField()),
        "degraded": serializers.ListField(child=serializers.CharField()),
        "checks": serializers.DictField(child=serializers.DictField()),
    },
)


def _is_staff(request) -> bool:
    """Whether a staff login asks; False for anyone else, a bad token, or a database that is down
    (authentication needs it, and the health answer must not depend on it)."""
    try:
        return bool(request.user and request.user.is_staff)
    except Exception:  # AuthenticationFailed, OperationalError: not staff, as far as we can tell
        return False


class HealthView(APIView):
    """200 when the database and the broker answer ("degraded" naming the cache when it does not:
    the site works without it); 503 naming what is down. Why a component is down (the
    error) is shown to staff only: to anyone else it may describe the network inside."""

    permission_classes = [AllowAny]
    throttle_classes: list = []

    def perform_authentication(self, request) -> None:
        """Authenticate only when the answer needs it (see _is_staff), never refusing."""

    @extend_schema(
        responses={200: HealthSerializer, 503: HealthSerializer},
        summary="Health of the database, the Celery broker and the cache",
    )
    def get(self, request):
        checks = {"database": check_database(), "broker": check_broker(), "cache": check_cache()}
        failing = [name for name, error in checks.items() if error]
        down = [name for name in failing if name in ESSENTIAL]
        degraded = [name for name in failing if name not in ESSENTIAL]
        detail = bool(failing) and _is_staff(request)
        body = {
            "status": "down" if down else "degraded" if degraded else "ok",
            "down": down,
            "degraded": degraded,
            "checks": {
                name: ({"ok": True} if not error else {"ok": False, "error": error} if detail else {"ok": False})
                for name, error in checks.items()
            },
        }
        if failing:
            logger.warning("health check failed: %s", "; ".join(f"{n}: {checks[n]}" for n in failing))
        return Response(body, status=503 if down else 200)
