"""The Celery application: broker from REDIS_URL (filesystem transport without it), JSON only,
late acknowledgement, one message prefetched per worker process, UTC, and django-celery-beat's
database scheduler. All of it is configured in `config/settings.py` under the CELERY_ prefix."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _settings_or_exit() -> None:
    """Load the settings now, so a worker or beat started with a bad configuration stops with
    one clear line instead of a traceback from deep inside Celery's loader."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - touching it loads and validates the settings
    except ImproperlyConfigured as exc:
        raise SystemExit(f"guildhall: configuration error: {exc}") from None


_settings_or_exit()

app = Celery("guildhall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_log_tokens: dict[str, object] = {}


@task_prerun.connect
def _bind_task_ids(task_id=None, task=None, **_kwargs):
    from config.logging import bind

    _log_tokens[task_id] = bind(task=task_id, task_name=getattr(task, "name", None))


@task_postrun.connect
def _unbind_task_ids(task_id=None, **_kwargs):
    from config.logging import unbind

    token = _log_tokens.pop(task_id, None)
    if token is not None:
        unbind(token)
