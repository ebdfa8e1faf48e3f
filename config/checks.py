"""System checks of Guildhall's own deploy-time configuration (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

W001_NO_SHARED_CACHE = checks.Warning(
    "CACHE_URL is not set: each web process keeps its own cache in memory.",
    hint=(
        "Guild role changes then reach other processes only after up to 60 seconds, and API and "
        "login throttling counts per process. Set CACHE_URL to a Redis URL (redis://HOST:PORT/DB, "
        "another DB number than REDIS_URL)."
    ),
    id="guildhall.W001",
)


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache_in_production(app_configs, **kwargs):
    return [] if settings.CACHE_URL else [W001_NO_SHARED_CACHE]
