"""Every write of time tracking. Each function is one transaction and raises ApplicationError
(with a message from :mod:`timetracking.rules` or this module) when it refuses, writing nothing.

Concurrency: a user's row is locked (``SELECT … FOR UPDATE``) by the writes that must see all of
that user's sessions or subjects at once (clock in, reopen, subjects, allocations), and a
session's row by every write to that session, so two clicks or commands run one after the other
and the second sees the first's result. Locks are always taken user first, then session. The
partial unique index on active sessions backs the "one active session" rule up in the database.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from config.timeutils import monday_of, week_containing, zone_or_error
from timetracking import rules, selectors
from timetracking.durations import MAX_DURATION_SECONDS
from timetracking.models import FocusSession, Subject, TrackedUser, WeeklyAllocation
from timetracking.signals import session_auto_clocked_out, session_forgotten, weekly_summary_due

Status = FocusSession.Status

SUBJECT_MAX_LENGTH = 100
PURPOSE_MAX_LENGTH = 300
NOTE_MAX_LENGTH = 2000
MAX_WEEKLY_MINUTES = 7 * 24 * 60

SUBJECT_BLANK = "Give the subject a name."
SUBJECT_TOO_LONG = f"A subject name can have at most {SUBJECT_MAX_LENGTH} characters."
SUBJECT_EXISTS = "You already have a subject called **{name}**."
SUBJECT_NOT_YOURS = "That subject belongs to someone else."
PURPOSE_TOO_LONG = f"A purpose can have at most {PURPOSE_MAX_LENGTH} characters."
NOTE_TOO_LONG = f"A note can have at most {NOTE_MAX_LENGTH} characters."
MINUTES_INVALID = "An allocation is between 0 and 168 hours a week."
OVERRIDE_INVALID = "The effective time must be between 0 and 24 hours."


# ---------------------------------------------------------------------------- helpers


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def _seconds_between(later: datetime, earlier: datetime) -> int:
    return max(0, int((later - earlier).total_seconds()))


def clean_subject_name(name: str | None) -> str:
    """The subject name as stored: spaces collapsed and trimmed; refused when blank or too long."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ApplicationError(SUBJECT_BLANK, field="subject")
    if len(cleaned) > SUBJECT_MAX_LENGTH:
        raise ApplicationError(SUBJECT_TOO_LONG, field="subject")
    return cleaned


def clean_purpose(purpose: str | None) -> str:
    cleaned = (purpose or "").strip()
    if len(cleaned) > PURPOSE_MAX_LENGTH:
        raise ApplicationError(PURPOSE_TOO_LONG, field="purpose")
    return cleaned


def _lock_user(user_id: int) -> TrackedUser:
    """The user's row, created on first use, locked until the transaction ends."""
    TrackedUser.objects.bulk_create([TrackedUser(id=user_id)], ignore_conflicts=True)
    return TrackedUser.objects.select_for_update().get(pk=user_id)


def _lock_session(session_id: int) -> FocusSession | None:
    return FocusSession.objects.select_for_update(of=("self",)).select_related("subject").filter(pk=session_id).first()


def _lock_for(*, user_id: int, session_id: int | None, action: str) -> FocusSession:
    """The session to act on, locked: `session_id` if given, else the user's active session;
    refused unless the user owns it and its status allows `action`."""
    if session_id is None:
        session = (
            FocusSession.objects.select_for_update(of=("self",))
            .select_related("subject")
            .filter(user_id=user_id, status__in=FocusSession.ACTIVE)
            .first()
        )
        if session is None:
            raise ApplicationError(rules.NO_ACTIVE_SESSION, code="no_active_session")
    else:
        session = _lock_session(session_id)
    return rules.check_action(session, user_id=user_id, action=action)


def _subject_for(user: TrackedUser, name: str) -> Subject:
    """The user's subject called `name` (any case), created when new. The caller holds the user's lock."""
    subject = Subject.objects.filter(user=user, name__iexact=name).first()
    if subject is None:
        subject = Subject.objects.create(user=user, name=name)
    return subject


# ---------------------------------------------------------------------------- users


def tracked_user_set_timezone(*, user_id: int, zone: str | zoneinfo.ZoneInfo) -> TrackedUser:
    """Set the zone the user's weeks are counted in: a canonical IANA name in any case (stored in
    its canonical spelling), refused with a "did you mean" otherwise. Sessions already started
    keep the week they were counted in; allocations keep their week."""
    zone = zone_or_error(zone, field="zone")
    with transaction.atomic():
        user = _lock_user(user_id)
        user.timezone = zone
        user.save(update_fields=["timezone", "updated_at"])
    return user


def tracked_user_set_weekly_summary(*, user_id: int, enabled: bool) -> TrackedUser:
    """Opt in to (or out of) the weekly summary DM on Monday morning."""
    with transaction.atomic():
        user = _lock_user(user_id)
        user.weekly_summary = enabled
        user.save(update_fields=["weekly_summary", "updated_at"])
    return user


# ---------------------------------------------------------------------------- subjects and allocations


def subject_create(*, user_id: int, name: str) -> Subject:
    """A new subject for the user; refused when the user already has one of that name (any case)."""
    name = clean_subject_name(name)
    with transaction.atomic():
        user = _lock_user(user_id)
        existing = Subject.objects.filter(user=user, name__iexact=name).first()
        if existing is not None:
            raise ApplicationError(SUBJECT_EXISTS, params={"name": existing.name}, field="name", code="exists")
        return Subject.objects.create(user=user, name=name)


def allocation_set(
    *,
    user_id: int,
    minutes: int,
    subject: str | None = None,
    subject_id: int | None = None,
    week_start: date | None = None,
    now: datetime | None = None,
) -> WeeklyAllocation:
    """Set how many minutes the user plans for a subject in a week (this week in the user's zone
    by default; any date stands for its Monday). The subject is named (created when new) or given
    by id (it must be the user's). Setting it again replaces the minutes."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_WEEKLY_MINUTES:
        raise ApplicationError(MINUTES_INVALID, field="minutes")
    name = clean_subject_name(subject) if subject_id is None else None
    with transaction.atomic():
        user = _lock_user(user_id)
        if subject_id is not None:
            target = Subject.objects.filter(pk=subject_id).first()
            if target is None or target.user_id != user.pk:
                raise ApplicationError(SUBJECT_NOT_YOURS, field="subject_id", code="not_yours")
        else:
            target = _subject_for(user, name)
        week = monday_of(week_start) if week_start else week_containing(_now(now), user.timezone).start_date
        allocation, _ = WeeklyAllocation.objects.update_or_create(
            user=user, subject=target, week_start_date=week, defaults={"minutes_allocated": minutes}
        )
    return allocation


# ---------------------------------------------------------------------------- sessions


def session_clock_in(
    *, user_id: int, subject: str, goal: str | None = None, now: datetime | None = None
) -> FocusSession:
    """Start a RUNNING session on `subject` (created when new). Refused while the user has a
    RUNNING or PAUSED session; concurrent calls start one session, the others are refused."""
    now = _now(now)
    name = clean_subject_name(subject)
    goal = clean_purpose(goal)
    with transaction.atomic():
        user = _lock_user(user_id)
        active = selectors.active_session(user.pk)
        if active is not None:
            raise rules.already_active(active)
        target = _subject_for(user, name)
        try:
            with transaction.atomic():
                session = FocusSession.objects.create(
                    user=user,
                    subject=target,
                    started_at=now,
                    week_start_date=week_containing(now, user.timezone).start_date,
                    goal=goal,
                    status=Status.RUNNING,
                    last_activity_at=now,
                )
        except IntegrityError:
            # The partial unique index: another transaction started one without our lock (it
            # cannot through this function, but the database has the last word).
            active = selectors.active_session(user.pk)
            if active is None:
                raise
            raise rules.already_active(active) from None
    return session


def session_pause(*, user_id: int, session_id: int | None = None, now: datetime | None = None) -> FocusSession:
    """Pause a RUNNING session (the user's active one when no id is given)."""
    with transaction.atomic():
        session = _lock_for(user_id=user_id, session_id=session_id, action=rules.PAUSE)
        session.status = Status.PAUSED
        session.pause_started_at = max(_now(now), session.started_at)
        session.save(update_fields=["status", "pause_started_at", "updated_at"])
    return session


def session_resume(*, user_id: int, session_id: int | None = None, now: datetime | None = None) -> FocusSession:
    """Resume a PAUSED session: the pause's length joins the paused total. A resume is a sign of life."""
    now = _now(now)
    with transaction.atomic():
        session = _lock_for(user_id=user_id, session_id=session_id, action=rules.RESUME)
        session.total_paused_seconds += _seconds_between(now, session.pause_started_at)
        session.pause_started_at = None
        session.status = Status.RUNNING
        session.last_activity_at = max(now, session.last_activity_at)
        session.reminded_at = None
        session.save(
            update_fields=[
                "status",
                "pause_started_at",
                "total_paused_seconds",
                "last_activity_at",
                "reminded_at",
                "updated_at",
            ]
        )
    return session


def _end(session: FocusSession, ended_at: datetime) -> None:
    ended_at = max(ended_at, session.started_at)
    if session.status == Status.PAUSED:
        session.total_paused_seconds += _seconds_between(ended_at, session.pause_started_at)
        session.pause_started_at = None
    session.ended_at = ended_at
    session.status = Status.ENDED_UNCONFIRMED


def session_clock_out(
    *, user_id: int, session_id: int | None = None, goal: str | None = None, now: datetime | None = None
) -> FocusSession:
    """End a RUNNING or PAUSED session now (a running pause counts as paused up to now), leaving
    it ENDED_UNCONFIRMED for the user to adjust and confirm. A non-empty `goal` replaces the
    purpose. A second clock-out of the same session is refused."""
    goal = clean_purpose(goal) if goal is not None else ""
    with transaction.atomic():
        session = _lock_for(user_id=user_id, session_id=session_id, action=rules.CLOCK_OUT)
        _end(session, _now(now))
        if goal:
            session.goal = goal
        session.save(
            update_fields=["status", "ended_at", "pause_started_at", "total_paused_seconds", "goal", "updated_at"]
        )
    return session


def session_adjust_time(*, user_id: int, session_id: int, effective_seconds: int) -> FocusSession:
    """Set the effective time of an ended, unconfirmed session (it stays unconfirmed)."""
    if isinstance(effective_seconds, bool) or not 0 <= int(effective_seconds) <= MAX_DURATION_SECONDS:
        raise ApplicationError(OVERRIDE_INVALID, field="duration")
    with transaction.atomic():
        session = _lock_for(user_id=user_id, session_id=session_id, action=rules.ADJUST_TIME)
        session.effective_override_seconds = int(effective_seconds)
        session.save(update_fields=["effective_override_seconds", "updated_at"])
    return session


def session_confirm(*, user_id: int, session_id: int) -> FocusSession:
    """Finalise an ended session: its times can no longer change."""
    with transaction.atomic():
        session = _lock_for(user_id=user_id, session_id=session_id, action=rules.CONFIRM)
        session.status = Status.ENDED_CONFIRMED
        session.save(update_fields=["status", "updated_at"])
    return session


def session_reopen(*, user_id: int, session_id: int, now: datetime | None = None) -> FocusSession:
    """Take an unconfirmed session back to RUNNING: the gap since its clock-out counts as paused
    and an adjusted time is dropped (the clock runs again). Refused while another session is active."""
    now = _now(now)
    with transaction.atomic():
        user = _lock_user(user_id)
        session = _lock_for(user_id=user.pk, session_id=session_id, action=rules.REOPEN)
        other = selectors.active_session(user.pk)
        if other is not None:
            raise rules.already_active(other, rules.OTHER_SESSION_ACTIVE)
        now = max(now, session.ended_at)
        session.total_paused_seconds += _seconds_between(now, session.ended_at)
        session.ended_at = None
        session.effective_override_seconds = None
        session.status = Status.RUNNING
        session.last_activity_at = now
        session.reminded_at = None
        session.auto_clocked_out = False
        session.save()
    return session


def session_set_purpose(*, user_id: int, session_id: int, purpose: str | None) -> FocusSession:
    """Replace the session's purpose (blank clears it); allowed until the session is confirmed."""
    purpose = clean_purpose(purpose)
    with transaction.atomic():
        session = _lock_for(user_id=user_id, session_id=session_id, action=rules.EDIT_PURPOSE)
        session.goal = purpose
        session.save(update_fields=["goal", "updated_at"])
    return session


def session_set_note(*, user_id: int, session_id: int, note: str | None) -> FocusSession:
    """Replace the session's note; allowed until the session is confirmed (same rule as the purpose)."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError(NOTE_TOO_LONG, field="note")
    with transaction.atomic():
        session = _lock_for(user_id=user_id, session_id=session_id, action=rules.EDIT_PURPOSE)
        session.note = note
        session.save(update_fields=["note", "updated_at"])
    return session


def session_keep_going(*, user_id: int, session_id: int, now: datetime | None = None) -> FocusSession:
    """The user answered the forgotten-session DM with "Keep going": a sign of life, so the
    reminder and the automatic clock-out count from now."""
    now = _now(now)
    with transaction.atomic():
        session = _lock_for(user_id=user_id, session_id=session_id, action=rules.KEEP_GOING)
        session.last_activity_at = max(now, session.last_activity_at)
        session.reminded_at = None
        session.save(update_fields=["last_activity_at", "reminded_at", "updated_at"])
    return session


# ---------------------------------------------------------------------------- on a clock (tasks)


def session_remind_forgotten(*, session_id: int, hours: int, now: datetime | None = None) -> bool:
    """Ask the user about a session RUNNING for `hours` since its last sign of life, once per
    sign of life (sends ``session_forgotten``). False when there was nothing to do."""
    now = _now(now)
    with transaction.atomic():
        session = _lock_session(session_id)
        if (
            session is None
            or session.status != Status.RUNNING
            or session.reminded_at is not None
            or session.last_activity_at > now - timedelta(hours=hours)
        ):
            return False
        session.reminded_at = now
        session.save(update_fields=["reminded_at", "updated_at"])
        session_forgotten.send(sender=FocusSession, session=session, hours=hours)
    return True


def session_auto_clock_out(*, session_id: int, hours: int, now: datetime | None = None) -> bool:
    """Clock out a session RUNNING for twice `hours` since its last sign of life, at that sign of
    life, and leave it unconfirmed (sends ``session_auto_clocked_out``). False when there was
    nothing to do (already ended, paused, or alive again)."""
    now = _now(now)
    with transaction.atomic():
        session = _lock_session(session_id)
        if (
            session is None
            or session.status != Status.RUNNING
            or session.last_activity_at > now - timedelta(hours=2 * hours)
        ):
            return False
        _end(session, session.last_activity_at)
        session.auto_clocked_out = True
        session.save(
            update_fields=[
                "status",
                "ended_at",
                "pause_started_at",
                "total_paused_seconds",
                "auto_clocked_out",
                "updated_at",
            ]
        )
        session_auto_clocked_out.send(sender=FocusSession, session=session)
    return True


def weekly_summary_send(*, user_id: int, hour: int, now: datetime | None = None) -> bool:
    """Send the user the summary of the week that just ended, when they opted in and it is Monday
    at or after `hour` o'clock in their zone, once per week (sends ``weekly_summary_due``; a week
    with no allocation and no session is marked done and sends nothing). False otherwise."""
    now = _now(now)
    with transaction.atomic():
        user = TrackedUser.objects.select_for_update().filter(pk=user_id).first()
        if user is None or not user.weekly_summary:
            return False
        local = now.astimezone(user.timezone)
        if local.weekday() != 0 or local.hour < hour:
            return False
        last_week = monday_of(local.date()) - timedelta(days=7)
        if user.last_summary_week is not None and user.last_summary_week >= last_week:
            return False
        report = selectors.weekly_report(user_id=user.pk, week_start=last_week, now=now)
        user.last_summary_week = last_week
        user.save(update_fields=["last_summary_week", "updated_at"])
        if report.is_empty:
            return False
        weekly_summary_due.send(sender=TrackedUser, user=user, report=report)
    return True
