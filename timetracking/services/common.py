"""What the service modules share: refusal messages and limits, input cleaning, and the row locks.

Locks are always taken user first, then session.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from config.exceptions import ApplicationError
from timetracking import rules
from timetracking.models import FocusSession, Subject, TrackedUser

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


def now_or_default(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def seconds_between(later: datetime, earlier: datetime) -> int:
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


def lock_user(user_id: int) -> TrackedUser:
    """The user's row, created on first use, locked until the transaction ends."""
    TrackedUser.objects.bulk_create([TrackedUser(id=user_id)], ignore_conflicts=True)
    return TrackedUser.objects.select_for_update().get(pk=user_id)


def lock_session(session_id: int) -> FocusSession | None:
    return FocusSession.objects.select_for_update(of=("self",)).select_related("subject").filter(pk=session_id).first()


def lock_for(*, user_id: int, session_id: int | None, action: str) -> FocusSession:
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
        session = lock_session(session_id)
    return rules.check_action(session, user_id=user_id, action=action)


def subject_for(user: TrackedUser, name: str) -> Subject:
    """The user's subject called `name` (any case), created when new. The caller holds the user's lock."""
    subject = Subject.objects.filter(user=user, name__iexact=name).first()
    if subject is None:
        subject = Subject.objects.create(user=user, name=name)
    return subject
