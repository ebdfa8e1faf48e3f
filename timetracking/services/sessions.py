"""Focus sessions: clock in and out, pause and resume, adjust, confirm, reopen, purpose and note,
and what happens on a clock (the forgotten-session reminder and the automatic clock-out)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from config.exceptions import ApplicationError
from config.timeutils import week_containing
from timetracking import rules, selectors
from timetracking.durations import MAX_DURATION_SECONDS
from timetracking.models import FocusSession
from timetracking.services.common import (
    NOTE_MAX_LENGTH,
    NOTE_TOO_LONG,
    OVERRIDE_INVALID,
    Status,
    clean_purpose,
    clean_subject_name,
    lock_for,
    lock_session,
    lock_user,
    now_or_default,
    seconds_between,
    subject_for,
)
from timetracking.signals import session_auto_clocked_out, session_forgotten


def session_clock_in(
    *, user_id: int, subject: str, goal: str | None = None, now: datetime | None = None
) -> FocusSession:
    """Start a RUNNING session on `subject` (created when new). Refused while the user has a
    RUNNING or PAUSED session; concurrent calls start one session, the others are refused."""
    now = now_or_default(now)
    name = clean_subject_name(subject)
    goal = clean_purpose(goal)
    with transaction.atomic():
        user = lock_user(user_id)
        active = selectors.active_session(user.pk)
        if active is not None:
            raise rules.already_active(active)
        target = subject_for(user, name)
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


SIGN_OF_LIFE_FIELDS = ["last_activity_at", "reminded_at", "updated_at"]


def _sign_of_life(session: FocusSession, now: datetime) -> None:
    """The owner acted on the open session at `now`: the forgotten-session reminder and the
    automatic clock-out count from here (the caller saves SIGN_OF_LIFE_FIELDS)."""
    session.last_activity_at = max(now, session.last_activity_at)
    session.reminded_at = None


def session_pause(*, user_id: int, session_id: int | None = None, now: datetime | None = None) -> FocusSession:
    """Pause a RUNNING session (the user's active one when no id is given). A sign of life."""
    now = now_or_default(now)
    with transaction.atomic():
        session = lock_for(user_id=user_id, session_id=session_id, action=rules.PAUSE)
        session.status = Status.PAUSED
        session.pause_started_at = max(now, session.started_at)
        _sign_of_life(session, now)
        session.save(update_fields=["status", "pause_started_at", *SIGN_OF_LIFE_FIELDS])
    return session


def session_resume(*, user_id: int, session_id: int | None = None, now: datetime | None = None) -> FocusSession:
    """Resume a PAUSED session: the pause's length joins the paused total. A resume is a sign of life."""
    now = now_or_default(now)
    with transaction.atomic():
        session = lock_for(user_id=user_id, session_id=session_id, action=rules.RESUME)
        session.total_paused_seconds += seconds_between(now, session.pause_started_at)
        session.pause_started_at = None
        session.status = Status.RUNNING
        _sign_of_life(session, now)
        session.save(update_fields=["status", "pause_started_at", "total_paused_seconds", *SIGN_OF_LIFE_FIELDS])
    return session


def _end(session: FocusSession, ended_at: datetime) -> None:
    ended_at = max(ended_at, session.started_at)
    if session.status == Status.PAUSED:
        session.total_paused_seconds += seconds_between(ended_at, session.pause_started_at)
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
        session = lock_for(user_id=user_id, session_id=session_id, action=rules.CLOCK_OUT)
        _end(session, now_or_default(now))
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
        session = lock_for(user_id=user_id, session_id=session_id, action=rules.ADJUST_TIME)
        session.effective_override_seconds = int(effective_seconds)
        session.save(update_fields=["effective_override_seconds", "updated_at"])
    return session


def session_confirm(*, user_id: int, session_id: int) -> FocusSession:
    """Finalise an ended session: its times can no longer change."""
    with transaction.atomic():
        session = lock_for(user_id=user_id, session_id=session_id, action=rules.CONFIRM)
        session.status = Status.ENDED_CONFIRMED
        session.save(update_fields=["status", "updated_at"])
    return session


def session_reopen(*, user_id: int, session_id: int, now: datetime | None = None) -> FocusSession:
    """Take an unconfirmed session back to RUNNING: the gap since its clock-out counts as paused
    and an adjusted time is dropped (the clock runs again). Refused while another session is active."""
    now = now_or_default(now)
    with transaction.atomic():
        user = lock_user(user_id)
        session = lock_for(user_id=user.pk, session_id=session_id, action=rules.REOPEN)
        other = selectors.active_session(user.pk)
        if other is not None:
            raise rules.already_active(other, rules.OTHER_SESSION_ACTIVE)
        now = max(now, session.ended_at)
        session.total_paused_seconds += seconds_between(now, session.ended_at)
        session.ended_at = None
        session.effective_override_seconds = None
        session.status = Status.RUNNING
        session.last_activity_at = now
        session.reminded_at = None
        session.auto_clocked_out = False
        session.save()
    return session


def _edit(session: FocusSession, now: datetime, field: str) -> None:
    """Save an edited `field`; on an open session the edit is a sign of life."""
    fields = [field, "updated_at"]
    if session.is_active:
        _sign_of_life(session, now)
        fields = [field, *SIGN_OF_LIFE_FIELDS]
    session.save(update_fields=fields)


def session_set_purpose(
    *, user_id: int, session_id: int, purpose: str | None, now: datetime | None = None
) -> FocusSession:
    """Replace the session's purpose (blank clears it); allowed until the session is confirmed.
    On an open session, a sign of life."""
    purpose = clean_purpose(purpose)
    with transaction.atomic():
        session = lock_for(user_id=user_id, session_id=session_id, action=rules.EDIT_PURPOSE)
        session.goal = purpose
        _edit(session, now_or_default(now), "goal")
    return session


def session_set_note(*, user_id: int, session_id: int, note: str | None, now: datetime | None = None) -> FocusSession:
    """Replace the session's note; allowed until the session is confirmed (same rule as the
    purpose). On an open session, a sign of life."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError(NOTE_TOO_LONG, field="note")
    with transaction.atomic():
        session = lock_for(user_id=user_id, session_id=session_id, action=rules.EDIT_PURPOSE)
        session.note = note
        _edit(session, now_or_default(now), "note")
    return session


def session_keep_going(*, user_id: int, session_id: int, now: datetime | None = None) -> FocusSession:
    """The user answered the forgotten-session DM with "Keep going": a sign of life, so the
    reminder and the automatic clock-out count from now."""
    now = now_or_default(now)
    with transaction.atomic():
        session = lock_for(user_id=user_id, session_id=session_id, action=rules.KEEP_GOING)
        _sign_of_life(session, now)
        session.save(update_fields=SIGN_OF_LIFE_FIELDS)
    return session


def session_remind_forgotten(*, session_id: int, hours: int, now: datetime | None = None) -> bool:
    """Ask the user about a session RUNNING for `hours` since its last sign of life, once per
    sign of life (sends ``session_forgotten``). False when there was nothing to do."""
    now = now_or_default(now)
    with transaction.atomic():
        session = lock_session(session_id)
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
    now = now_or_default(now)
    with transaction.atomic():
        session = lock_session(session_id)
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
