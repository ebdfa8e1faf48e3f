"""Scheduled jobs: their parameters and triggers, checked field by field; their clock (the
dispatcher's source "job"); and every write (create, change, pause/resume, delete, run now).

Triggers, in ScheduleZero's shapes (stored normalised):

* ``{"type": "date", "run_date": ISO 8601 or unix}``: once. A date without an offset is read in the
  job's zone (a wall time in a DST gap is refused, one in a fold is the first).
* ``{"type": "interval", "weeks"|"days"|"hours"|"minutes"|"seconds": n, "start_date"?}``: every
  period (at least 60 s) counted from ``start_date`` (default: when it is created), in real time.
* ``{"type": "cron", "minute", "hour", "day", "month", "day_of_week", "timezone"?}`` or
  ``{"type": "cron", "expression": "0 12 * * 1-5", "timezone"?}``: evaluated in its zone by cronsim,
  so 12:00 stays 12:00 local across DST; a time in the spring-forward gap runs once, when the gap
  ends; a time in the autumn fold runs once, at its first occurrence (a field of ``*`` hours runs
  in both halves of the repeated hour, as every hour does). In the fields form, unspecified
  fields below the most significant given one are their minimum, the others ``*`` (APScheduler's
  rule), and ``day_of_week`` numbers count from 0 = Monday (APScheduler's); in the expression form
  they are cron's (0 = Sunday).

A refusal names the field at fault as the API calls it: ``job_method``, ``job_params.<name>``,
``trigger.<name>``, ``job_id``, ``guild_id``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from cronsim import CronSim, CronSimError
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.actors import Actor
from config.exceptions import ApplicationError
from config.snowflakes import as_snowflake
from config.timeutils import exists_locally, parse_clock, parse_local_datetime, zone_or_error
from scheduling import dispatcher, signals
from scheduling.models import Dispatch, ScheduledJob
from scheduling.models.jobs import (
    DEFAULT_MISFIRE_GRACE_SECONDS,
    MAX_JOB_ID_LENGTH,
    MAX_JOB_NAME_LENGTH,
    MAX_MISFIRE_GRACE_SECONDS,
)

Method = ScheduledJob.Method

# --------------------------------------------------------------------------- messages

NOT_ADMIN = "Only the server's admins can manage scheduled jobs."
PRESENCE_STAFF_ONLY = "The bot's status is shared by every server: only staff can schedule update_status."
NO_SUCH_JOB = "There is no scheduled job {job_id!r} on this server."
JOB_ID_TAKEN = "A job with the id {job_id!r} exists already."
BAD_JOB_ID = "A job id is 1 to {limit} characters: letters, digits, '-', '_', '.' and ':' (for example daily-update)."
NAME_TOO_LONG = "A job's name can be at most {limit} characters long."
UNKNOWN_METHOD = "{method!r} is not a job method; use one of {methods}."
PARAMS_NOT_OBJECT = "job_params must be an object of the method's parameters."
UNKNOWN_PARAM = "{method} has no parameter {name!r}; its parameters are {allowed}."
MISSING_PARAM = "{method} needs {name}."
NOT_AN_ID = "{name} must be a Discord id (a number, or digits in a string)."
NOT_TEXT = "{name} must be text of 1 to {limit} characters."
NOT_CHOICE = "{name} must be one of {choices}."
NOT_WHOLE = "{name} must be a whole number from {low} to {high}."
BAD_COLOR = "color must be a colour from 0 to 16777215 (0xFFFFFF), as a number or as #rrggbb."
BAD_URL = "url must be an http or https address."
BAD_FIELDS = "fields must be a list of at most 25 objects with a name (≤ 256), a value (≤ 1024) and optional inline."
EMBED_TOO_LONG = "An embed can hold at most 6000 characters in all (this one has {length})."
TRIGGER_NOT_OBJECT = 'trigger must be an object with a "type": date, interval or cron.'
UNKNOWN_TRIGGER = "{kind!r} is not a trigger type; use date, interval or cron."
UNKNOWN_TRIGGER_KEY = "A {kind} trigger has no {name!r}; it takes {allowed}."
BAD_RUN_DATE = "run_date must be an ISO 8601 date and time (2026-12-24T18:00:00+01:00) or a unix timestamp."
PAST_RUN_DATE = "run_date {when} is in the past."
NONEXISTENT_RUN_DATE = "{value} does not exist in {zone} (the clocks skip it for daylight saving time)."
BAD_PERIOD = "{name} must be a whole number of at least 0."
SHORT_INTERVAL = "An interval must be at least 60 seconds (this one is {seconds} s)."
LONG_INTERVAL = "An interval can be at most {days} days."
FAR_DATE = "{name} must be before the year 9000."
BAD_CRON = "{value!r} is not a cron schedule: {reason}."
CRON_FIVE_FIELDS = "a cron expression has five fields: minute hour day month day_of_week"
BOTH_CRON_FORMS = "Give either expression or the fields (minute, hour, day, month, day_of_week), not both."
NO_CRON_FIELDS = "A cron trigger needs an expression or at least one of minute, hour, day, month, day_of_week."
CRON_NEVER = "{value!r} never happens."
BAD_DAY_OF_WEEK = "day_of_week {value!r}: use mon…sun or 0 (Monday) to 6 (Sunday), lists and ranges (mon-fri)."
BAD_MISFIRE = "misfire_policy must be one of skip, run_once_late, grace."
BAD_GRACE = f"misfire_grace_seconds must be a whole number from 0 to {MAX_MISFIRE_GRACE_SECONDS}."
BAD_WHEN = (
    "Could not read when {value!r}: write a date (2026-12-24 18:00), an interval (every 2h, every 30m), a "
    "weekly time (every monday 09:00, every day 09:00, every weekday 09:00) or a cron schedule (cron 0 12 * * 1-5)."
)

MAX_CONTENT = 2000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FOOTER = 2048
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_EMBED_FIELDS = 25
MAX_EMBED_TOTAL = 6000
MAX_CLEANUP_LIMIT = 1000
MAX_AGE_DAYS = 3650
MIN_INTERVAL = timedelta(seconds=60)
ACTIVITY_TYPES = ("playing", "watching", "listening", "competing")
STATUSES = ("online", "idle", "dnd", "invisible")
ROLE_ACTIONS = ("add", "remove")
# What PostgreSQL cannot store in text or JSON (NUL, lone surrogates).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The longest interval: far enough for any real schedule, near enough that a start plus a few
# periods stays inside Python's calendar.
MAX_INTERVAL = timedelta(days=3660)
_JOB_ID = re.compile(rf"[A-Za-z0-9_.:-]{{1,{MAX_JOB_ID_LENGTH}}}")

# --------------------------------------------------------------------------- parameters, per method


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # id, text, choice, whole, color, url, fields
    required: bool = True
    limit: int = 0
    low: int = 0
    choices: tuple[str, ...] = ()


PARAMS: dict[str, tuple[Param, ...]] = {
    Method.SEND_MESSAGE: (Param("channel_id", "id"), Param("content", "text", limit=MAX_CONTENT)),
    Method.SEND_EMBED: (
        Param("channel_id", "id"),
        Param("title", "text", limit=MAX_TITLE),
        Param("description", "text", limit=MAX_DESCRIPTION),
        Param("color", "color"),
        Param("fields", "fields", required=False),
        Param("url", "url", required=False),
        Param("footer", "text", required=False, limit=MAX_FOOTER),
    ),
    Method.UPDATE_STATUS: (
        Param("activity_type", "choice", choices=ACTIVITY_TYPES),
        Param("name", "text", limit=128),
        Param("status", "choice", required=False, choices=STATUSES),
    ),
    Method.SCHEDULE_ANNOUNCEMENT: (
        Param("channel_id", "id"),
        Param("message", "text", limit=MAX_CONTENT - 30),  # room for the role mention
        Param("role_id", "id", required=False),
    ),
    Method.CLEANUP_OLD_MESSAGES: (
        Param("channel_id", "id"),
        Param("limit", "whole", low=1, limit=MAX_CLEANUP_LIMIT),
        Param("age_days", "whole", low=1, limit=MAX_AGE_DAYS),
    ),
    Method.UPDATE_ROLE: (
        Param("user_id", "id"),
        Param("role_id", "id"),
        Param("action", "choice", choices=ROLE_ACTIONS),
    ),
}


def _param_error(template: str, name: str, **params) -> ApplicationError:
    return ApplicationError(template, params={"name": name, **params}, field=f"job_params.{name}")


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]+\s*", value):
        return int(value)
    return None


def _check_param(param: Param, value: Any) -> Any:
    name = param.name
    if param.kind == "id":
        number = as_snowflake(value) if not isinstance(value, bool) else None
        if number is None:
            raise _param_error(NOT_AN_ID, name)
        return str(number)
    if param.kind == "text":
        if not isinstance(value, str) or not value.strip() or len(value) > param.limit or _UNSTORABLE.search(value):
            raise _param_error(NOT_TEXT, name, limit=param.limit)
        return value.strip()
    if param.kind == "choice":
        text = value.strip().lower() if isinstance(value, str) else None
        if text not in param.choices:
            raise _param_error(NOT_CHOICE, name, choices=", ".join(param.choices))
        return text
    if param.kind == "whole":
        number = _whole(value)
        if number is None or not param.low <= number <= param.limit:
            raise _param_error(NOT_WHOLE, name, low=param.low, high=param.limit)
        return number
    if param.kind == "color":
        number = _whole(value)
        if number is None and isinstance(value, str):
            match = re.fullmatch(r"\s*(?:#|0x)([0-9a-fA-F]{1,6})\s*", value)
            number = int(match[1], 16) if match else None
        if number is None or not 0 <= number <= 0xFFFFFF:
            raise ApplicationError(BAD_COLOR, field=f"job_params.{name}")
        return number
    if param.kind == "url":
        storable = isinstance(value, str) and len(value) <= 2048 and not _UNSTORABLE.search(value)
        parsed = urlparse(value) if storable else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ApplicationError(BAD_URL, field=f"job_params.{name}")
        return value
    if param.kind == "fields":
        return _check_embed_fields(value)
    raise AssertionError(f"unknown parameter kind {param.kind}")


def _check_embed_fields(value: Any) -> list[dict]:
    if not isinstance(value, list) or len(value) > MAX_EMBED_FIELDS:
        raise ApplicationError(BAD_FIELDS, field="job_params.fields")
    fields = []
    for index, item in enumerate(value):
        where = f"job_params.fields[{index}]"
        if not isinstance(item, dict) or set(item) - {"name", "value", "inline"}:
            raise ApplicationError(BAD_FIELDS, field=where)
        name, text, inline = item.get("name"), item.get("value"), item.get("inline", False)
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_FIELD_NAME or _UNSTORABLE.search(name):
            raise ApplicationError(BAD_FIELDS, field=f"{where}.name")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_FIELD_VALUE or _UNSTORABLE.search(text):
            raise ApplicationError(BAD_FIELDS, field=f"{where}.value")
        if not isinstance(inline, bool):
            raise ApplicationError(BAD_FIELDS, field=f"{where}.inline")
        fields.append({"name": name.strip(), "value": text.strip(), "inline": inline})
    return fields


def check_method(method: Any) -> str:
    if not isinstance(method, str) or method not in Method.values:
        raise ApplicationError(
            UNKNOWN_METHOD,
            params={"method": str(method)[:64], "methods": ", ".join(Method.values)},
            field="job_method",
        )
    return method


def check_params(method: str, params: Any) -> dict:
    """The method's parameters, checked field by field and normalised (ids as digit strings)."""
    method = check_method(method)
    if not isinstance(params, dict):
        raise ApplicationError(PARAMS_NOT_OBJECT, field="job_params")
    spec = {param.name: param for param in PARAMS[method]}
    for name in params:
        if name not in spec:
            raise ApplicationError(
                UNKNOWN_PARAM,
                params={"method": method, "name": str(name)[:64], "allowed": ", ".join(spec)},
                field=f"job_params.{str(name)[:64]}",
            )
    clean: dict[str, Any] = {}
    for name, param in spec.items():
        value = params.get(name)
        if value is None or (isinstance(value, str) and not value.strip() and not param.required):
            if param.required:
                raise ApplicationError(
                    MISSING_PARAM, params={"method": method, "name": name}, field=f"job_params.{name}"
                )
            continue
        clean[name] = _check_param(param, value)
    if method == Method.SEND_EMBED:
        length = sum(len(clean.get(key, "")) for key in ("title", "description", "footer")) + sum(
            len(field["name"]) + len(field["value"]) for field in clean.get("fields", [])
        )
        if length > MAX_EMBED_TOTAL:
            raise ApplicationError(EMBED_TOO_LONG, params={"length": length}, field="job_params.description")
    return clean


# --------------------------------------------------------------------------- triggers

INTERVAL_UNITS = ("weeks", "days", "hours", "minutes", "seconds")
CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
CRON_MINIMUM = {"minute": "0", "hour": "0", "day": "1", "month": "1", "day_of_week": "*"}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _trigger_error(template: str, where: str | None, /, **params) -> ApplicationError:
    return ApplicationError(template, params=params, field=f"trigger.{where}" if where else "trigger")


def _instant(value: Any, zone, *, name: str) -> datetime:
    """An instant from ISO 8601 (naive: in `zone`) or a unix timestamp."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            instant = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise _trigger_error(BAD_RUN_DATE, name) from None
        if instant.year >= 9000:
            raise _trigger_error(FAR_DATE, name, name=name)
        return instant
    if not isinstance(value, str):
        raise _trigger_error(BAD_RUN_DATE, name)
    text = value.strip()
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        return _instant(float(text), zone, name=name)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise _trigger_error(BAD_RUN_DATE, name) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone, fold=0)
        if not exists_locally(parsed):
            raise _trigger_error(NONEXISTENT_RUN_DATE, name, value=parsed.strftime("%Y-%m-%d %H:%M"), zone=zone.key)
    try:
        instant = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise _trigger_error(BAD_RUN_DATE, name) from None
    if instant.year >= 9000:  # room for the periods and previews computed from it
        raise _trigger_error(FAR_DATE, name, name=name)
    return instant


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day_of_week_to_cron(value: Any) -> str:
    """APScheduler's day_of_week (mon…sun, 0 = Monday, lists and ranges) as cron's (0 = Sunday)."""
    text = str(value).strip().lower()
    if text in ("*", "?"):
        return "*"
    days: set[int] = set()

    def day(token: str) -> int:
        token = token.strip()
        if re.fullmatch(r"[0-6]", token):
            return int(token)
        if token[:3] in _WEEKDAYS and len(token) >= 3:
            return _WEEKDAYS.index(token[:3])
        raise _trigger_error(BAD_DAY_OF_WEEK, "day_of_week", value=str(value)[:32])

    for part in text.split(","):
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = day(first), day(last)
            if start > end:
                raise _trigger_error(BAD_DAY_OF_WEEK, "day_of_week", value=str(value)[:32])
            days.update(range(start, end + 1))
        else:
            days.add(day(part))
    # Monday = 0 here is 1 in cron; Sunday = 6 here is 0 there.
    return ",".join(str(number) for number in sorted((d + 1) % 7 for d in days))


def _cron_from_fields(trigger: dict) -> str:
    given = [name for name in CRON_FIELDS if trigger.get(name) is not None]
    if not given:
        raise _trigger_error(NO_CRON_FIELDS, None)
    # The most significant field given, in APScheduler's order (month > day > hour > minute):
    order = ("month", "day", "day_of_week", "hour", "minute")
    top = min(order.index(name) for name in given)
    parts = []
    for name in CRON_FIELDS:
        value = trigger.get(name)
        if value is None:
            parts.append(CRON_MINIMUM[name] if order.index(name) > top else "*")
        elif name == "day_of_week":
            parts.append(_day_of_week_to_cron(value))
        else:
            text = str(value).strip()
            if not text or " " in text or isinstance(value, bool):
                raise _trigger_error(BAD_CRON, name, value=str(value)[:64], reason=f"{name} is not a cron field")
            parts.append(text)
    return " ".join(parts)


def _check_cron(expression: str, zone, *, now: datetime, name: str) -> str:
    text = " ".join(str(expression).split())
    if len(text.split(" ")) != 5:
        raise _trigger_error(BAD_CRON, name, value=str(expression)[:64], reason=CRON_FIVE_FIELDS)
    try:
        next(CronSim(text, now.astimezone(zone)))
    except CronSimError as exc:
        raise _trigger_error(BAD_CRON, name, value=text, reason=str(exc).rstrip(".").lower()) from None
    except StopIteration:
        raise _trigger_error(CRON_NEVER, name, value=text) from None
    return text


def check_trigger(trigger: Any, *, zone_name: Any, now: datetime) -> tuple[dict, str]:
    """The trigger, checked key by key and normalised, and the job's zone (the trigger's
    ``timezone`` when it has one, else `zone_name`)."""
    if not isinstance(trigger, dict):
        raise ApplicationError(TRIGGER_NOT_OBJECT, field="trigger")
    kind = trigger.get("type")
    if kind not in ("date", "interval", "cron"):
        raise _trigger_error(UNKNOWN_TRIGGER, "type", kind=str(kind)[:32])
    allowed = {
        "date": ("type", "run_date", "timezone"),
        "interval": ("type", *INTERVAL_UNITS, "start_date", "timezone"),
        "cron": ("type", "expression", *CRON_FIELDS, "timezone"),
    }[kind]
    for key in trigger:
        if key not in allowed:
            raise _trigger_error(
                UNKNOWN_TRIGGER_KEY, str(key)[:64], kind=kind, name=str(key)[:64], allowed=", ".join(allowed[1:])
            )
    zone = zone_or_error(trigger.get("timezone") or zone_name, field="trigger.timezone")
    if kind == "date":
        if trigger.get("run_date") in (None, ""):
            raise _trigger_error(BAD_RUN_DATE, "run_date")
        run_date = _instant(trigger["run_date"], zone, name="run_date")
        if run_date <= now:
            raise _trigger_error(PAST_RUN_DATE, "run_date", when=run_date)
        return {"type": "date", "run_date": _iso(run_date)}, zone.key
    if kind == "interval":
        clean: dict[str, Any] = {"type": "interval"}
        for unit in INTERVAL_UNITS:
            if trigger.get(unit) is not None:
                number = _whole(trigger[unit])
                if number is None or not 0 <= number <= 10**7:
                    raise _trigger_error(BAD_PERIOD, unit, name=unit)
                if number:
                    clean[unit] = number
        period = interval_period(clean)
        if period < MIN_INTERVAL:
            raise _trigger_error(SHORT_INTERVAL, "seconds", seconds=int(period.total_seconds()))
        if period > MAX_INTERVAL:
            raise _trigger_error(LONG_INTERVAL, "seconds", days=MAX_INTERVAL.days)
        start = (
            now if trigger.get("start_date") in (None, "") else _instant(trigger["start_date"], zone, name="start_date")
        )
        clean["start_date"] = _iso(start)
        return clean, zone.key
    if trigger.get("expression") is not None:
        if any(trigger.get(name) is not None for name in CRON_FIELDS):
            raise _trigger_error(BOTH_CRON_FORMS, "expression")
        expression = _check_cron(trigger["expression"], zone, now=now, name="expression")
    else:
        expression = _check_cron(_cron_from_fields(trigger), zone, now=now, name="expression")
    return {"type": "cron", "expression": expression, "timezone": zone.key}, zone.key


def interval_period(trigger: dict) -> timedelta:
    return timedelta(**{unit: trigger.get(unit, 0) for unit in INTERVAL_UNITS})


def next_run_after(job: ScheduledJob, instant: datetime) -> datetime | None:
    """The job's first run strictly after `instant` (UTC), or None when it has none left."""
    trigger = job.trigger
    kind = trigger["type"]
    if kind == "date":
        run_date = datetime.fromisoformat(trigger["run_date"])
        return run_date if run_date > instant else None
    if kind == "interval":
        period = interval_period(trigger)
        start = datetime.fromisoformat(trigger["start_date"])
        if instant < start:
            return start
        try:
            return start + ((instant - start) // period + 1) * period
        except OverflowError:  # past the end of the calendar: no run left
            return None
    zone = zone_or_error(trigger.get("timezone") or job.timezone)
    try:
        local = next(CronSim(trigger["expression"], instant.astimezone(zone)))
    except (CronSimError, StopIteration, OverflowError, ValueError):
        return None
    return local.astimezone(UTC)


def upcoming_runs(job: ScheduledJob, *, count: int = 5, after: datetime | None = None) -> list[datetime]:
    """The job's next `count` runs (UTC), for previews (whether or not it is enabled)."""
    runs: list[datetime] = []
    instant = after or timezone.now()
    while len(runs) < count:
        instant = next_run_after(job, instant)
        if instant is None:
            break
        runs.append(instant)
    return runs


def describe_trigger(job: ScheduledJob) -> str:
    """Plain words for when it runs."""
    trigger = job.trigger
    zone = zone_or_error(job.timezone)
    if trigger["type"] == "date":
        local = datetime.fromisoformat(trigger["run_date"]).astimezone(zone)
        return f"once at {local:%Y-%m-%d %H:%M} ({zone.key})"
    if trigger["type"] == "interval":
        parts = [
            f"{trigger[unit]} {unit if trigger[unit] != 1 else unit[:-1]}"
            for unit in INTERVAL_UNITS
            if trigger.get(unit)
        ]
        return "every " + " ".join(parts)
    return f"cron {trigger['expression']} ({trigger.get('timezone') or zone.key})"


# --------------------------------------------------------------------------- the clock


@dispatcher.register
class JobSource(dispatcher.ClockSource):
    name = "job"
    model = ScheduledJob
    update_fields = ("next_fire_at", "last_run_at", "finished_at")

    def active(self, queryset):
        return queryset.filter(enabled=True)

    def kind_at(self, row: ScheduledJob, instant: datetime) -> str:
        return "run"

    def next_after(self, row: ScheduledJob, instant: datetime) -> datetime | None:
        return next_run_after(row, instant)

    def grace(self, row: ScheduledJob, settings) -> timedelta | None:
        if row.misfire_policy == ScheduledJob.Misfire.RUN_ONCE_LATE:
            return None
        if row.misfire_policy == ScheduledJob.Misfire.SKIP:
            return timedelta(0)
        return timedelta(seconds=row.misfire_grace_seconds)

    def finish(self, row: ScheduledJob, now: datetime) -> None:
        row.finished_at = now

    def fire(self, firings: list[dispatcher.Firing]) -> None:
        for firing in firings:
            row = firing.row
            if row.last_run_at is None or firing.occurrence > row.last_run_at:
                row.last_run_at = firing.occurrence
        signals.jobs_due.send(sender=ScheduledJob, firings=firings)


# --------------------------------------------------------------------------- writes


def _require_admin(actor: Actor, method: str | None = None) -> None:
    if not (actor.is_admin or actor.is_staff):
        raise ApplicationError(NOT_ADMIN, code="permission_denied")
    if method == Method.UPDATE_STATUS and not actor.is_staff:
        raise ApplicationError(PRESENCE_STAFF_ONLY, field="job_method", code="permission_denied")


def _check_misfire(policy: Any, grace: Any) -> tuple[str, int]:
    if policy not in ScheduledJob.Misfire.values:
        raise ApplicationError(BAD_MISFIRE, field="misfire_policy")
    seconds = _whole(grace)
    if seconds is None or not 0 <= seconds <= MAX_MISFIRE_GRACE_SECONDS:
        raise ApplicationError(BAD_GRACE, field="misfire_grace_seconds")
    return policy, seconds


def _check_name(name: Any, default: str) -> str:
    text = (name if isinstance(name, str) else "").strip() or default
    if len(text) > MAX_JOB_NAME_LENGTH:
        raise ApplicationError(NAME_TOO_LONG, params={"limit": MAX_JOB_NAME_LENGTH}, field="name")
    return text


def job_create(
    *,
    actor: Actor,
    guild_id: int,
    method: Any,
    params: Any,
    trigger: Any,
    timezone_name: Any = "UTC",
    job_id: Any = None,
    name: Any = None,
    handler_id: Any = None,
    enabled: bool = True,
    misfire_policy: Any = ScheduledJob.Misfire.GRACE,
    misfire_grace_seconds: Any = DEFAULT_MISFIRE_GRACE_SECONDS,
    now: datetime | None = None,
) -> ScheduledJob:
    """Create a scheduled job (the guild's admins, staff; update_status staff only). Checks the
    method, its parameters, the trigger and the misfire policy field by field; a duplicate
    `job_id` is refused with code ``conflict``. Every refusal writes nothing."""
    now = now or timezone.now()
    method = check_method(method)
    _require_admin(actor, method)
    clean_params = check_params(method, params)
    clean_trigger, zone = check_trigger(trigger, zone_name=timezone_name, now=now)
    policy, grace = _check_misfire(misfire_policy, misfire_grace_seconds)
    if job_id in (None, ""):
        job_id = f"{method}-{uuid.uuid4().hex[:12]}"
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise ApplicationError(BAD_JOB_ID, params={"limit": MAX_JOB_ID_LENGTH}, field="job_id")
    job = ScheduledJob(
        guild_id=guild_id,
        job_id=job_id,
        name=_check_name(name, job_id),
        handler_id=(str(handler_id).strip()[:100] if handler_id else "") or "discord-bot",
        method=method,
        params=clean_params,
        trigger=clean_trigger,
        timezone=zone,
        enabled=bool(enabled),
        misfire_policy=policy,
        misfire_grace_seconds=grace,
        created_by=actor.user_id,
    )
    job.next_fire_at = next_run_after(job, now)
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        if ScheduledJob.objects.filter(job_id=job_id).exists():
            raise ApplicationError(JOB_ID_TAKEN, params={"job_id": job_id}, field="job_id", code="conflict") from None
        raise
    return job


def is_job_id(value: object) -> bool:
    """Whether `value` has a job id's shape (so a lookup by it cannot fail in the database)."""
    return isinstance(value, str) and _JOB_ID.fullmatch(value) is not None


def job_for(*, guild_id: int, job_id: str, lock: bool = False) -> ScheduledJob:
    """The guild's job `job_id` (locked when asked); refuses a job of another guild as missing."""
    queryset = ScheduledJob.objects.filter(guild_id=guild_id, job_id=job_id)
    job = (queryset.select_for_update() if lock else queryset).first() if is_job_id(job_id) else None
    if job is None:
        raise ApplicationError(NO_SUCH_JOB, params={"job_id": str(job_id)[:100]}, field="job_id", code="not_found")
    return job


def job_update(
    *, actor: Actor, guild_id: int, job_id: str, changes: dict[str, Any], now: datetime | None = None
) -> ScheduledJob:
    """Change a job: any of name, method, params, trigger, timezone, enabled, misfire_policy,
    misfire_grace_seconds. The whole job is checked again (a new method needs its parameters);
    the next run is recomputed from now. Every refusal writes nothing."""
    now = now or timezone.now()
    _require_admin(actor)
    with transaction.atomic():
        job = job_for(guild_id=guild_id, job_id=job_id, lock=True)
        _require_admin(actor, job.method)
        method = check_method(changes.get("method", job.method))
        _require_admin(actor, method)
        params = changes.get("params", job.params if method == job.method else None)
        job.params = check_params(method, params if params is not None else {})
        job.method = method
        if "trigger" in changes or "timezone" in changes:
            trigger = changes.get("trigger", job.trigger)
            zone_name = changes.get("timezone", job.timezone)
            if "timezone" in changes and "trigger" not in changes and trigger.get("type") == "cron":
                trigger = {**trigger, "timezone": zone_or_error(zone_name, field="timezone").key}
            job.trigger, job.timezone = check_trigger(trigger, zone_name=zone_name, now=now)
            job.finished_at = None
        if "name" in changes:
            job.name = _check_name(changes["name"], job.job_id)
        if "misfire_policy" in changes or "misfire_grace_seconds" in changes:
            job.misfire_policy, job.misfire_grace_seconds = _check_misfire(
                changes.get("misfire_policy", job.misfire_policy),
                changes.get("misfire_grace_seconds", job.misfire_grace_seconds),
            )
        if "enabled" in changes:
            job.enabled = bool(changes["enabled"])
        job.next_fire_at = next_run_after(job, now)
        job.save()
    return job


def job_set_enabled(*, actor: Actor, guild_id: int, job_id: str, enabled: bool, now: datetime | None = None):
    """Pause (disable) or resume (enable) a job. Resuming counts the next run from now, so runs
    missed while it was paused are not sent."""
    return job_update(actor=actor, guild_id=guild_id, job_id=job_id, changes={"enabled": enabled}, now=now)


def job_delete(*, actor: Actor, guild_id: int, job_id: str) -> None:
    """Delete a job. Its dispatch records (the execution history) are kept."""
    _require_admin(actor)
    with transaction.atomic():
        job = job_for(guild_id=guild_id, job_id=job_id, lock=True)
        _require_admin(actor, job.method)
        job.delete()


def job_run_now(*, actor: Actor, guild_id: int, job_id: str, now: datetime | None = None) -> Dispatch:
    """Run a job once now, outside its schedule (a paused or finished one too): one dispatch
    record of kind "manual" and its outbox rows, in one transaction. Its schedule is unchanged."""
    now = now or timezone.now()
    _require_admin(actor)
    with transaction.atomic():
        job = job_for(guild_id=guild_id, job_id=job_id, lock=True)
        _require_admin(actor, job.method)
        record = Dispatch.objects.create(
            source=JobSource.name,
            source_id=job.pk,
            guild_id=job.guild_id,
            occurrence=now,
            kind="manual",
            status=Dispatch.Status.SENT,
            dispatched_at=now,
            outcome=Dispatch.Outcome.PENDING,
            detail="run now",
        )
        JobSource().fire([dispatcher.Firing(job, record)])
        job.save(update_fields=["last_run_at", "updated_at"])
    return record


# --------------------------------------------------------------------------- "when", as typed in Discord

_EVERY = re.compile(r"every\s+([0-9]+)\s*([a-z]+)")
_UNITS = {
    "s": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds", "seconds": "seconds",
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "week": "weeks", "weeks": "weeks",
}  # fmt: skip
_DAY_WORDS = {"day": "*", "daily": "*", "weekday": "1-5", "weekdays": "1-5", "weekend": "0,6", "weekends": "0,6"}
_WEEKLY = re.compile(r"every\s+([a-z]+)\s+([0-9]{1,2}:[0-9]{2})")


def trigger_from_when(text: Any, *, zone_name: Any) -> dict:
    """A trigger from what an admin typed in Discord: ``2026-12-24 18:00`` (in the zone), ``every
    2h``, ``every monday 09:00`` (also every day / weekday / weekend) or ``cron 0 12 * * 1-5``."""
    raw = str(text or "").strip()
    value = " ".join(raw.lower().split())
    zone = zone_or_error(zone_name, field="timezone")
    if value.startswith("cron "):
        return {"type": "cron", "expression": raw.strip()[5:].strip(), "timezone": zone.key}
    match = _EVERY.fullmatch(value)
    if match and match[2] in _UNITS:
        return {"type": "interval", _UNITS[match[2]]: int(match[1])}
    match = _WEEKLY.fullmatch(value)
    if match:
        clock = parse_clock(match[2], field="when")
        word = match[1]
        if word in _DAY_WORDS:
            days = _DAY_WORDS[word]
        elif len(word) >= 3 and word[:3] in _WEEKDAYS:
            days = str((_WEEKDAYS.index(word[:3]) + 1) % 7)
        else:
            raise ApplicationError(BAD_WHEN, params={"value": raw[:64]}, field="when")
        return {"type": "cron", "expression": f"{clock.minute} {clock.hour} * * {days}", "timezone": zone.key}
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ t][0-9]{1,2}:[0-9]{2}", value):
        instant = parse_local_datetime(value.replace("t", " "), zone, field="when")
        return {"type": "date", "run_date": _iso(instant), "timezone": zone.key}
    raise ApplicationError(BAD_WHEN, params={"value": raw[:64]}, field="when")
