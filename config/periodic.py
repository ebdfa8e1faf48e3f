"""Writing the periodic tasks declared in `settings.PERIODIC_TASKS` to django-celery-beat.

Each entry is `name: {"task": ..., "crontab": {...}}` or `{"task": ..., "every_seconds": N}`, with
optional "kwargs" and "queue". Writing is idempotent: a second run changes nothing, an edited
declaration updates its row, and a row declared here once but no longer is disabled (officer-made
tasks are never touched).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

DECLARED_IN_CODE = "Declared in code (settings.PERIODIC_TASKS); edits here are overwritten on deploy."


def _schedule_fields(spec: dict) -> dict:
    if "crontab" in spec:
        cron = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
        cron.update({key: str(value) for key, value in spec["crontab"].items()})
        schedule, _ = CrontabSchedule.objects.get_or_create(timezone="UTC", **cron)
        return {"crontab": schedule, "interval": None}
    if "every_seconds" in spec:
        schedule, _ = IntervalSchedule.objects.get_or_create(
            every=int(spec["every_seconds"]), period=IntervalSchedule.SECONDS
        )
        return {"interval": schedule, "crontab": None}
    raise ValueError(f"periodic task {spec.get('task')!r} needs 'crontab' or 'every_seconds'")


@transaction.atomic
def sync_periodic_tasks(declared: dict | None = None) -> dict[str, list[str]]:
    """Make django-celery-beat's rows match the declarations; returns names created, updated, disabled."""
    declared = settings.PERIODIC_TASKS if declared is None else declared
    changes: dict[str, list[str]] = {"created": [], "updated": [], "disabled": []}
    for name, spec in declared.items():
        wanted = {
            "task": spec["task"],
            "kwargs": json.dumps(spec.get("kwargs", {}), sort_keys=True),
            "queue": spec.get("queue"),
            "description": DECLARED_IN_CODE,
            "enabled": True,
            "one_off": False,
            **_schedule_fields(spec),
        }
        row = PeriodicTask.objects.filter(name=name).first()
        if row is None:
            PeriodicTask.objects.create(name=name, **wanted)
            changes["created"].append(name)
            continue
        stale = {field: value for field, value in wanted.items() if getattr(row, field) != value}
        if stale:
            for field, value in stale.items():
                setattr(row, field, value)
            row.save()
            changes["updated"].append(name)
    for row in PeriodicTask.objects.filter(description=DECLARED_IN_CODE, enabled=True).exclude(name__in=list(declared)):
        row.enabled = False
        row.save()
        changes["disabled"].append(row.name)
    return changes
