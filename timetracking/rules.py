"""Which action each session status allows, and the message for every refusal.

One table serves the services (which check under a row lock before writing) and the Discord
buttons that only open a modal (which check before showing it), so a click is refused the same
way wherever it lands. Messages are constants (templates whose parameters are passed
as typed values, never formatted in): tests assert them.
"""

from __future__ import annotations

from config.exceptions import ApplicationError
from timetracking.models import FocusSession

Status = FocusSession.Status

PAUSE = "pause"
RESUME = "resume"
CLOCK_OUT = "out"
ADJUST_TIME = "adjust_time"
CONFIRM = "confirm"
REOPEN = "reopen"
EDIT_PURPOSE = "edit_purpose"
KEEP_GOING = "keep_going"

ACTIONS = (PAUSE, RESUME, CLOCK_OUT, ADJUST_TIME, CONFIRM, REOPEN, EDIT_PURPOSE, KEEP_GOING)

ALLOWED: dict[str, frozenset[str]] = {
    PAUSE: frozenset({Status.RUNNING}),
    RESUME: frozenset({Status.PAUSED}),
    CLOCK_OUT: frozenset({Status.RUNNING, Status.PAUSED}),
    ADJUST_TIME: frozenset({Status.ENDED_UNCONFIRMED}),
    CONFIRM: frozenset({Status.ENDED_UNCONFIRMED}),
    REOPEN: frozenset({Status.ENDED_UNCONFIRMED}),
    EDIT_PURPOSE: frozenset({Status.RUNNING, Status.PAUSED, Status.ENDED_UNCONFIRMED}),
    KEEP_GOING: frozenset({Status.RUNNING}),
}

NOT_YOURS = "This isn't your session, so you can't change it. Start your own with `/session in`."
SESSION_NOT_FOUND = "I can't find that session any more."
NO_ACTIVE_SESSION = "You have no session running. Start one with `/session in`."
ALREADY_ACTIVE = "You already have a session {status} on **{subject}**. Clock out with `/session out` first."
OTHER_SESSION_ACTIVE = (
    "You have another session {status} on **{subject}**. Clock that one out before reopening this one."
)

ALREADY_PAUSED = "This session is already paused."
NOT_PAUSED = "This session isn't paused."
ALREADY_CLOCKED_OUT = "This session is already clocked out."
ALREADY_CONFIRMED_ENDED = "This session is already clocked out and confirmed."
CLOCK_OUT_FIRST_ADJUST = "Clock out first: the time can be adjusted once the session has ended."
CLOCK_OUT_FIRST_CONFIRM = "Clock out first, then confirm."
STILL_OPEN = "This session is still open, so there is nothing to reopen."
CONFIRMED_FINAL = "This session is confirmed; it can no longer be changed."
ALREADY_CONFIRMED = "This session is already confirmed."
PAUSED_NO_KEEP_GOING = "This session is paused. Resume it when you're back."

REFUSALS: dict[tuple[str, str], str] = {
    (PAUSE, Status.PAUSED): ALREADY_PAUSED,
    (PAUSE, Status.ENDED_UNCONFIRMED): ALREADY_CLOCKED_OUT,
    (PAUSE, Status.ENDED_CONFIRMED): ALREADY_CONFIRMED_ENDED,
    (RESUME, Status.RUNNING): NOT_PAUSED,
    (RESUME, Status.ENDED_UNCONFIRMED): ALREADY_CLOCKED_OUT,
    (RESUME, Status.ENDED_CONFIRMED): ALREADY_CONFIRMED_ENDED,
    (CLOCK_OUT, Status.ENDED_UNCONFIRMED): ALREADY_CLOCKED_OUT,
    (CLOCK_OUT, Status.ENDED_CONFIRMED): ALREADY_CONFIRMED_ENDED,
    (ADJUST_TIME, Status.RUNNING): CLOCK_OUT_FIRST_ADJUST,
    (ADJUST_TIME, Status.PAUSED): CLOCK_OUT_FIRST_ADJUST,
    (ADJUST_TIME, Status.ENDED_CONFIRMED): CONFIRMED_FINAL,
    (CONFIRM, Status.RUNNING): CLOCK_OUT_FIRST_CONFIRM,
    (CONFIRM, Status.PAUSED): CLOCK_OUT_FIRST_CONFIRM,
    (CONFIRM, Status.ENDED_CONFIRMED): ALREADY_CONFIRMED,
    (REOPEN, Status.RUNNING): STILL_OPEN,
    (REOPEN, Status.PAUSED): STILL_OPEN,
    (REOPEN, Status.ENDED_CONFIRMED): CONFIRMED_FINAL,
    (EDIT_PURPOSE, Status.ENDED_CONFIRMED): CONFIRMED_FINAL,
    (KEEP_GOING, Status.PAUSED): PAUSED_NO_KEEP_GOING,
    (KEEP_GOING, Status.ENDED_UNCONFIRMED): ALREADY_CLOCKED_OUT,
    (KEEP_GOING, Status.ENDED_CONFIRMED): ALREADY_CONFIRMED_ENDED,
}

STATUS_WORDS = {
    Status.RUNNING: "running",
    Status.PAUSED: "paused",
    Status.ENDED_UNCONFIRMED: "clocked out",
    Status.ENDED_CONFIRMED: "confirmed",
}


def refusal_for(action: str, status: str) -> str | None:
    """The refusal message for `action` on a session in `status`, or None when it is allowed."""
    if status in ALLOWED[action]:
        return None
    return REFUSALS[(action, status)]


def check_action(session: FocusSession | None, *, user_id: int, action: str) -> FocusSession:
    """`session` when `user_id` owns it and its status allows `action`; else ApplicationError."""
    if session is None:
        raise ApplicationError(SESSION_NOT_FOUND, code="not_found")
    if session.user_id != user_id:
        raise ApplicationError(NOT_YOURS, code="not_yours")
    message = refusal_for(action, session.status)
    if message is not None:
        raise ApplicationError(message, code="wrong_status")
    return session


def already_active(session: FocusSession, template: str = ALREADY_ACTIVE) -> ApplicationError:
    return ApplicationError(
        template,
        params={"status": STATUS_WORDS[session.status], "subject": session.subject.name},
        code="already_active",
    )
