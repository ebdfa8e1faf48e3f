"""The dispatcher: everything that fires on a clock, sent exactly once.

Each kind of thing on a clock (a reminder, a scheduled job) is a :class:`ClockSource` over a model
with a precomputed ``next_fire_at`` (UTC). :func:`dispatch_due` takes due rows with ``SELECT … FOR
UPDATE SKIP LOCKED`` in batches and, in one transaction, writes for each occurrence a
:class:`~scheduling.models.Dispatch` record (unique on source, source id, occurrence instant and
kind), the outbox rows (the source's signal, turned into outbox rows by botworker's receivers in the
same transaction) and the row's next ``next_fire_at``. A second dispatcher skips the locked rows and,
once they commit, no longer sees them as due; the unique record is the last guard. So two workers,
two beats or a task that runs twice send each occurrence once, and a worker killed mid-batch rolls
the whole batch back, to be dispatched by the next run.

Catch-up after downtime: of the occurrences due at a row's turn, the latest one that is late by no
more than the grace window is sent (marked late when more than :data:`ON_TIME_TOLERANCE` behind);
every other one is recorded as missed and not sent, so nothing goes out in a burst. The grace
window is the source's (a guild's ``grace_minutes`` for reminders, the job's misfire policy for
scheduled jobs) and never less than :data:`ON_TIME_TOLERANCE`.
"""

from __future__ import annotations

import logging
import time as _time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from config.bulk import bulk_insert, bulk_update
from scheduling.models import Dispatch, GuildClockSettings

logger = logging.getLogger("scheduling.dispatcher")

# An occurrence sent within this of its instant is on time; it is also the smallest grace window,
# so a dispatch run that comes a few seconds after the instant never counts as a miss.
ON_TIME_TOLERANCE = timedelta(seconds=60)
DEFAULT_BATCH_SIZE = 500
# A row that was due many times while everything was down records at most this many missed
# occurrences in one pass; the rest are skipped without a record (and logged).
MAX_MISSED_PER_PASS = 1000


@dataclass(frozen=True)
class Firing:
    """One occurrence being sent: the source's row (locked) and its dispatch record."""

    row: Any
    dispatch: Dispatch

    @property
    def kind(self) -> str:
        return self.dispatch.kind

    @property
    def occurrence(self) -> datetime:
        return self.dispatch.occurrence


class ClockSource(ABC):
    """A kind of thing on a clock. Subclasses set ``name`` and ``model`` and implement the hooks;
    :func:`register` makes the dispatcher serve them."""

    name: ClassVar[str]
    model: ClassVar[type[models.Model]]
    # The row's fields the dispatcher may change (next_fire_at plus whatever finish() sets).
    update_fields: ClassVar[tuple[str, ...]] = ("next_fire_at",)

    def active(self, queryset: models.QuerySet) -> models.QuerySet:
        """The rows that may fire (enabled, not archived)."""
        return queryset

    @abstractmethod
    def kind_at(self, row, instant: datetime) -> str:
        """Which of the row's sends happens at `instant` (one of the instants next_after gives)."""
        ...

    @abstractmethod
    def next_after(self, row, instant: datetime) -> datetime | None:
        """The row's first occurrence strictly after `instant` (UTC), or None when it has no more."""
        ...

    def grace(self, row, settings: GuildClockSettings) -> timedelta | None:
        """How late an occurrence may still be sent; None: however late (once)."""
        return timedelta(minutes=settings.grace_minutes)

    @abstractmethod
    def finish(self, row, now: datetime) -> None:
        """The row has no occurrence left (a one-off that fired): archive or disable it (setting
        fields named in ``update_fields``)."""

    @abstractmethod
    def fire(self, firings: list[Firing]) -> None:
        """Ask for the Discord side of these occurrences (send the app's signal), in the
        dispatcher's transaction."""
        ...


_sources: dict[str, ClockSource] = {}


def register(source_class: type[ClockSource]) -> type[ClockSource]:
    """Class decorator: serve this source from :func:`dispatch_due`."""
    _sources[source_class.name] = source_class()
    return source_class


def sources() -> list[ClockSource]:
    return list(_sources.values())


def source_named(name: str) -> ClockSource:
    return _sources[name]


@dataclass
class DispatchReport:
    """What one :func:`dispatch_due` call did, by status."""

    rows: int = 0
    sent: int = 0
    late: int = 0
    missed: int = 0
    failed: int = 0
    skipped_duplicates: int = 0
    by_source: dict[str, int] = field(default_factory=dict)

    def add(self, other: DispatchReport) -> None:
        for name in ("rows", "sent", "late", "missed", "failed", "skipped_duplicates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name, count in other.by_source.items():
            self.by_source[name] = self.by_source.get(name, 0) + count


@dataclass
class _Plan:
    row: Any
    records: list[Dispatch]
    fire: Dispatch | None
    next_fire_at: datetime | None


def settings_for(guild_ids: Iterable[int]) -> dict[int, GuildClockSettings]:
    """Each guild's clock settings (an unsaved default row for a guild that has none)."""
    wanted = set(guild_ids)
    found = {s.guild_id: s for s in GuildClockSettings.objects.filter(guild_id__in=wanted)}
    return {guild_id: found.get(guild_id) or GuildClockSettings(guild_id=guild_id) for guild_id in wanted}


def plan_row(source: ClockSource, row, *, now: datetime, settings: GuildClockSettings) -> _Plan:
    """Decide, for one due row, which occurrence to send, which were missed, and the next fire time."""
    grace = source.grace(row, settings)
    if grace is not None:
        grace = max(grace, ON_TIME_TOLERANCE)
    due: list[datetime] = []
    instant = row.next_fire_at
    while instant is not None and instant <= now:
        if len(due) >= MAX_MISSED_PER_PASS:
            skip_to = now - grace if grace is not None else now
            logger.warning(
                "%s %s: more than %d occurrences were due; skipping to %s", source.name, row.pk, len(due), skip_to
            )
            instant = source.next_after(row, skip_to)
            while instant is not None and instant <= now and (grace is None or now - instant > grace):
                instant = source.next_after(row, instant)
            continue
        due.append(instant)
        instant = source.next_after(row, instant)
    # Send the latest occurrence within the grace window; record the others as missed.
    send_at = None
    if due and (grace is None or now - due[-1] <= grace):
        send_at = due[-1]
    records: list[Dispatch] = []
    fire = None
    for occurrence in due:
        lateness = now - occurrence
        if occurrence == send_at:
            status = Dispatch.Status.LATE if lateness > ON_TIME_TOLERANCE else Dispatch.Status.SENT
            detail = f"sent {_duration(lateness)} late" if status == Dispatch.Status.LATE else ""
            outcome = Dispatch.Outcome.PENDING
        else:
            status = Dispatch.Status.MISSED
            outcome = Dispatch.Outcome.NONE
            detail = (
                "a later occurrence was due by the time it could be sent"
                if send_at is not None
                else f"{_duration(lateness)} late, more than the grace window of {_duration(grace)}"
            )
        record = Dispatch(
            source=source.name,
            source_id=row.pk,
            guild_id=row.guild_id,
            occurrence=occurrence,
            kind=source.kind_at(row, occurrence),
            status=status,
            dispatched_at=now,
            outcome=outcome,
            detail=detail,
        )
        records.append(record)
        if occurrence == send_at:
            fire = record
    return _Plan(row=row, records=records, fire=fire, next_fire_at=instant)


def _duration(delta: timedelta | None) -> str:
    seconds = int(delta.total_seconds()) if delta is not None else 0
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _apply_next(source: ClockSource, plan: _Plan, now: datetime) -> None:
    plan.row.next_fire_at = plan.next_fire_at
    if plan.next_fire_at is None:
        source.finish(plan.row, now)


def _count(report: DispatchReport, records: Iterable[Dispatch]) -> None:
    for record in records:
        if record.status == Dispatch.Status.SENT:
            report.sent += 1
        elif record.status == Dispatch.Status.LATE:
            report.late += 1
        elif record.status == Dispatch.Status.MISSED:
            report.missed += 1
        else:
            report.failed += 1


def dispatch_batch(source: ClockSource, *, now: datetime | None = None, batch_size: int = DEFAULT_BATCH_SIZE):
    """Dispatch up to `batch_size` due rows of one source; returns a :class:`DispatchReport`."""
    now = now or timezone.now()
    report = DispatchReport()
    with transaction.atomic():
        rows = list(
            source.active(source.model.objects.all())
            .filter(next_fire_at__isnull=False, next_fire_at__lte=now)
            .order_by("next_fire_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))[:batch_size]
        )
        if not rows:
            return report
        report.rows = len(rows)
        report.by_source[source.name] = len(rows)
        guild_settings = settings_for(row.guild_id for row in rows)
        plans = [plan_row(source, row, now=now, settings=guild_settings[row.guild_id]) for row in rows]
        try:
            with transaction.atomic():
                _write_batch(source, plans, now)
            for plan in plans:
                _count(report, plan.records)
        except Exception:
            # One bad row (or an occurrence recorded already) must not hold back the others:
            # write the batch again row by row, each in its own savepoint.
            logger.exception("%s: dispatching a batch of %d failed; dispatching row by row", source.name, len(plans))
            for plan in plans:
                for record in plan.records:  # the rolled-back INSERT may have given them ids
                    record.pk = None
                    record._state.adding = True
                _write_one(source, plan, now, report)
    return report


def _write_batch(source: ClockSource, plans: list[_Plan], now: datetime) -> None:
    records = [record for plan in plans for record in plan.records]
    bulk_insert(Dispatch, records)
    firings = [Firing(plan.row, plan.fire) for plan in plans if plan.fire is not None]
    if firings:
        source.fire(firings)
    for plan in plans:
        _apply_next(source, plan, now)
    bulk_update(source.model, [plan.row for plan in plans], source.update_fields)


def _write_one(source: ClockSource, plan: _Plan, now: datetime, report: DispatchReport) -> None:
    kept: list[Dispatch] = []
    for record in plan.records:
        try:
            with transaction.atomic():
                record.save(force_insert=True)
            kept.append(record)
        except IntegrityError:
            report.skipped_duplicates += 1
            record.pk = None
    fire = plan.fire if plan.fire is not None and plan.fire.pk is not None else None
    if fire is not None:
        try:
            with transaction.atomic():
                source.fire([Firing(plan.row, fire)])
        except Exception as exc:
            logger.exception("%s %s: the occurrence at %s could not be sent", source.name, plan.row.pk, fire.occurrence)
            fire.status = Dispatch.Status.FAILED
            fire.outcome = Dispatch.Outcome.NONE
            fire.detail = f"could not be sent: {exc}"[:1000]
            fire.save(update_fields=["status", "outcome", "detail"])
    _count(report, kept)
    _apply_next(source, plan, now)
    plan.row.save(update_fields=list(source.update_fields))


def dispatch_due(
    *, now: datetime | None = None, batch_size: int = DEFAULT_BATCH_SIZE, time_budget: float | None = None
) -> DispatchReport:
    """Dispatch everything due, source by source, batch by batch, until nothing due is left (or
    `time_budget` seconds have passed, leaving the rest to the next run)."""
    started = _time.monotonic()
    report = DispatchReport()
    for source in sources():
        while True:
            batch = dispatch_batch(source, now=now, batch_size=batch_size)
            report.add(batch)
            if batch.rows < batch_size:
                break
            if time_budget is not None and _time.monotonic() - started > time_budget:
                return report
    return report


# ----------------------------------------------------------------------------- delivery outcomes

OUTCOME_NOT_FOUND = "No dispatch {dispatch_id} was recorded."


def record_outcome(*, dispatch_id: int, outcome: str, detail: str = "") -> None:
    """What delivery said of a sent occurrence (called by the Discord side when its outbox rows
    are done, retrying or dead). An unknown id is ignored: the record may have been pruned."""
    if outcome not in Dispatch.Outcome.values:
        raise ValueError(f"unknown dispatch outcome {outcome!r}")
    updates: dict[str, Any] = {"outcome": outcome, "outcome_at": timezone.now()}
    if detail:
        updates["detail"] = detail[:1000]
    Dispatch.objects.filter(pk=dispatch_id).exclude(outcome=Dispatch.Outcome.DONE).update(**updates)
