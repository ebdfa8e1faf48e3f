"""Ticket statistics: figures computed from a guild's ticket rows and their status history, and
the service that stores each request's snapshot (:class:`~support.models.TicketMetrics`).

Definitions (docs/support.md, Statistics, says the same for readers):

- A scope is a window ending at `now`: ``7d`` is ``[now - 7 days, now]``, ``30d`` is
  ``[now - 30 days, now]``, both ends **inclusive** (a ticket opened exactly 7 days ago counts in
  7d), ``all`` is everything up to `now`. Events after `now` are not counted.
- A ticket is *opened* at its first status-history row (the opening), *closed* at its first
  change to closed or archived (a ticket deleted while open is closed by the deletion).
- Counts by status are of every ticket of the guild, as they stand now (not scoped).
- *Opened* / *closed*: tickets opened / closed in the scope.
- *First response*: opening → the first message of a staff member in its channel
  (``first_response_at``), over the tickets opened in the scope that have one.
- *Resolution (cycle) time*: opening → close, over the tickets closed in the scope.
- *First responses* and claims after `now` are not counted yet.
- *Per staff member*: tickets claimed in the scope (by ``claimed_by``) and closed in the scope
  (by ``closed_by``); closes by the auto-close are counted apart.
- *Rating*: average and count of the ratings of the tickets closed in the scope.
- *Top topics*: the five most frequent topics of the tickets opened in the scope, compared
  case- and space-insensitively, shown as first written; ties by first appearance.
- *Series*: tickets opened and closed per UTC day over the scope (for ``all``: from the first
  ticket's day), every day shown, zeros included; per ISO week (from Monday) when the scope
  spans more than 90 days.

Medians of an even number of values are the mean of the middle two. Durations are seconds.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.actors import Actor
from config.exceptions import ApplicationError
from support.models import StatsScope, SupportTicket, TicketMetrics, TicketStatus
from support.services.messages import BAD_SCOPE, NOT_STAFF
from support.services.settings import settings_for
from support.services.tickets import is_staff

SCOPE_SPANS: dict[str, timedelta | None] = {
    StatsScope.WEEK: timedelta(days=7),
    StatsScope.MONTH: timedelta(days=30),
    StatsScope.ALL: None,
}
WEEKLY_AFTER_DAYS = 90
TOP_TOPICS = 5
DONE_STATUSES = (TicketStatus.CLOSED, TicketStatus.ARCHIVED)


@dataclass(frozen=True)
class TicketRow:
    """What the statistics read of one ticket."""

    status: str
    topic: str
    opened_at: datetime
    closed_at: datetime | None = None
    first_response_at: datetime | None = None
    claimed_by: int | None = None
    claimed_at: datetime | None = None
    closed_by: int | None = None
    rating: int | None = None


@dataclass(frozen=True)
class Durations:
    count: int
    median_seconds: float | None
    average_seconds: float | None

    @classmethod
    def of(cls, values: list[float]) -> Durations:
        if not values:
            return cls(count=0, median_seconds=None, average_seconds=None)
        return cls(
            count=len(values), median_seconds=float(statistics.median(values)), average_seconds=statistics.fmean(values)
        )


@dataclass(frozen=True)
class StaffFigures:
    user_id: int
    claimed: int
    closed: int


@dataclass(frozen=True)
class TopicCount:
    topic: str
    count: int


@dataclass(frozen=True)
class SeriesBin:
    start: date  # the UTC day, or the Monday of the week
    opened: int
    closed: int


@dataclass(frozen=True)
class TicketStats:
    guild_id: int
    scope: str
    since: datetime | None  # None for "all"
    until: datetime
    counts: dict[str, int]
    opened: int
    closed: int
    first_response: Durations
    resolution: Durations
    staff: list[StaffFigures]
    auto_closed: int
    rating_average: float | None
    rating_count: int
    top_topics: list[TopicCount]
    bin: str  # "day" or "week"
    series: list[SeriesBin] = field(default_factory=list)

    def as_json(self) -> dict:
        """The figures as JSON (instants ISO 8601, days ISO dates, user ids strings)."""
        data = asdict(self)
        data["guild_id"] = str(self.guild_id)
        data["since"] = self.since.isoformat() if self.since else None
        data["until"] = self.until.isoformat()
        data["staff"] = [{**asdict(line), "user_id": str(line.user_id)} for line in self.staff]
        data["series"] = [{**asdict(b), "start": b.start.isoformat()} for b in self.series]
        return data


# ---------------------------------------------------------------------------- pure computation


def scope_start(scope: str, now: datetime) -> datetime | None:
    if scope not in SCOPE_SPANS:
        raise ApplicationError(BAD_SCOPE, params={"choices": ", ".join(StatsScope.values)}, field="scope")
    span = SCOPE_SPANS[scope]
    return None if span is None else now - span


def _within(instant: datetime | None, since: datetime | None, until: datetime) -> bool:
    return instant is not None and instant <= until and (since is None or instant >= since)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _series(rows: list[TicketRow], since: datetime | None, until: datetime) -> tuple[str, list[SeriesBin]]:
    opened_days = [r.opened_at.astimezone(UTC).date() for r in rows if _within(r.opened_at, since, until)]
    closed_days = [r.closed_at.astimezone(UTC).date() for r in rows if _within(r.closed_at, since, until)]
    if since is not None:
        first = since.astimezone(UTC).date()
    else:
        known = [r.opened_at.astimezone(UTC).date() for r in rows if r.opened_at <= until]
        if not known:
            return "day", []
        first = min(known)
    last = until.astimezone(UTC).date()
    if (last - first).days + 1 > WEEKLY_AFTER_DAYS:
        unit, step = "week", timedelta(days=7)
        first, last = _monday(first), _monday(last)
        opened_days, closed_days = [_monday(d) for d in opened_days], [_monday(d) for d in closed_days]
    else:
        unit, step = "day", timedelta(days=1)
    opened, closed = Counter(opened_days), Counter(closed_days)
    bins, day = [], first
    while day <= last:
        bins.append(SeriesBin(start=day, opened=opened[day], closed=closed[day]))
        day += step
    return unit, bins


def _top_topics(rows: list[TicketRow]) -> list[TopicCount]:
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for row in rows:  # in opening order: the first spelling is shown, ties keep first appearance
        key = " ".join(row.topic.split()).casefold()
        shown.setdefault(key, " ".join(row.topic.split()))
        counts[key] += 1
    ranked = sorted(counts, key=lambda key: -counts[key])  # stable: first appearance breaks ties
    return [TopicCount(topic=shown[key], count=counts[key]) for key in ranked[:TOP_TOPICS]]


def compute_stats(rows: list[TicketRow], *, guild_id: int, scope: str, now: datetime) -> TicketStats:
    """The statistics of `rows` (one guild's tickets) for `scope` ending at `now` (see the module
    docstring for every definition). Reads nothing from the database."""
    since = scope_start(scope, now)
    rows = sorted(rows, key=lambda r: r.opened_at)
    opened = [r for r in rows if _within(r.opened_at, since, now)]
    closed = [r for r in rows if _within(r.closed_at, since, now)]
    counts = {status: 0 for status in TicketStatus.values}
    for row in rows:
        counts[row.status] += 1

    staff: dict[int, list[int]] = {}
    for row in rows:
        if row.claimed_by is not None and _within(row.claimed_at, since, now):
            staff.setdefault(row.claimed_by, [0, 0])[0] += 1
    auto_closed = 0
    for row in closed:
        if row.closed_by is None:
            auto_closed += 1
        else:
            staff.setdefault(row.closed_by, [0, 0])[1] += 1
    staff_lines = sorted(
        (StaffFigures(user_id=user, claimed=c, closed=d) for user, (c, d) in staff.items()),
        key=lambda line: (-(line.claimed + line.closed), -line.closed, line.user_id),
    )
    ratings = [r.rating for r in closed if r.rating is not None]
    unit, series = _series(rows, since, now)
    return TicketStats(
        guild_id=guild_id,
        scope=scope,
        since=since,
        until=now,
        counts=counts,
        opened=len(opened),
        closed=len(closed),
        first_response=Durations.of(
            [
                (r.first_response_at - r.opened_at).total_seconds()
                for r in opened
                if r.first_response_at is not None and r.first_response_at <= now
            ]
        ),
        resolution=Durations.of([(r.closed_at - r.opened_at).total_seconds() for r in closed]),
        staff=staff_lines,
        auto_closed=auto_closed,
        rating_average=statistics.fmean(ratings) if ratings else None,
        rating_count=len(ratings),
        top_topics=_top_topics(opened),
        bin=unit,
        series=series,
    )


# ---------------------------------------------------------------------------- reading and storing


def ticket_rows(*, guild_id: int) -> list[TicketRow]:
    """The guild's tickets as the statistics read them, in one query: the opening and the close
    come from the status history (the ticket's own fields when a row has none)."""
    query = (
        SupportTicket.objects.filter(guild_id=guild_id)
        .annotate(
            opened=Coalesce(Min("status_changes__changed_at", filter=Q(status_changes__from_status="")), "created_at"),
            closed=Coalesce(
                Min("status_changes__changed_at", filter=Q(status_changes__to_status__in=DONE_STATUSES)),
                F("closed_at"),
            ),
        )
        .order_by("opened", "id")
        .values(
            "status",
            "topic",
            "opened",
            "closed",
            "first_response_at",
            "claimed_by",
            "claimed_at",
            "closed_by",
            "rating",
        )
    )
    return [
        TicketRow(
            status=row["status"],
            topic=row["topic"],
            opened_at=row["opened"],
            closed_at=row["closed"] if row["status"] in DONE_STATUSES else None,
            first_response_at=row["first_response_at"],
            claimed_by=row["claimed_by"],
            claimed_at=row["claimed_at"],
            closed_by=row["closed_by"],
            rating=row["rating"],
        )
        for row in query
    ]


def ticket_stats(*, guild_id: int, scope: str, now: datetime | None = None) -> TicketStats:
    """A guild's ticket statistics for `scope` ("7d", "30d" or "all") as of `now` (one query)."""
    now = now or timezone.now()
    scope_start(scope, now)  # refuses a bad scope before reading anything
    return compute_stats(ticket_rows(guild_id=guild_id), guild_id=guild_id, scope=scope, now=now)


@transaction.atomic
def ticket_metrics_create(
    *, guild_id: int, actor: Actor, scope: str, now: datetime | None = None
) -> tuple[TicketMetrics, TicketStats]:
    """Compute a guild's ticket statistics for `scope` for a member of its support staff and store
    the snapshot (one row per request). Refuses a non-staff actor and a bad scope, writing nothing."""
    now = now or timezone.now()
    if not is_staff(actor, settings_for(guild_id)):
        raise ApplicationError(NOT_STAFF, code="permission_denied")
    stats = ticket_stats(guild_id=guild_id, scope=scope, now=now)
    average = stats.resolution.average_seconds
    row = TicketMetrics.objects.create(
        guild_id=guild_id,
        scope=scope,
        computed_at=now,
        snapshot=stats.as_json(),
        counts=stats.counts,
        average_cycle_time=round(average) if average is not None else None,
        triggered_by=actor.user_id,
    )
    return row, stats
