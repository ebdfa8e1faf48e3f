"""Every write of time tracking. Each function is one transaction and raises ApplicationError
(with a message from :mod:`timetracking.rules` or :mod:`timetracking.services.common`) when it
refuses, writing nothing.

Concurrency: a user's row is locked (``SELECT … FOR UPDATE``) by the writes that must see all of
that user's sessions or subjects at once (clock in, reopen, subjects, allocations), and a
session's row by every write to that session, so two clicks or commands run one after the other
and the second sees the first's result. Locks are always taken user first, then session. The
partial unique index on active sessions backs the "one active session" rule up in the database.

The modules: :mod:`~timetracking.services.sessions` (focus sessions, and the forgotten-session
reminder and automatic clock-out), :mod:`~timetracking.services.allocations` (subjects and
weekly allocations), :mod:`~timetracking.services.users` (the user's zone and weekly summary).
"""

from timetracking.services.allocations import allocation_set, subject_create
from timetracking.services.common import (
    MAX_WEEKLY_MINUTES,
    MINUTES_INVALID,
    NOTE_MAX_LENGTH,
    NOTE_TOO_LONG,
    OVERRIDE_INVALID,
    PURPOSE_MAX_LENGTH,
    PURPOSE_TOO_LONG,
    SUBJECT_BLANK,
    SUBJECT_EXISTS,
    SUBJECT_MAX_LENGTH,
    SUBJECT_NOT_YOURS,
    SUBJECT_TOO_LONG,
    clean_purpose,
    clean_subject_name,
)
from timetracking.services.sessions import (
    session_adjust_time,
    session_auto_clock_out,
    session_clock_in,
    session_clock_out,
    session_confirm,
    session_keep_going,
    session_pause,
    session_remind_forgotten,
    session_reopen,
    session_resume,
    session_set_note,
    session_set_purpose,
)
from timetracking.services.users import (
    tracked_user_set_timezone,
    tracked_user_set_weekly_summary,
    weekly_summary_send,
)

__all__ = [
    "MAX_WEEKLY_MINUTES",
    "MINUTES_INVALID",
    "NOTE_MAX_LENGTH",
    "NOTE_TOO_LONG",
    "OVERRIDE_INVALID",
    "PURPOSE_MAX_LENGTH",
    "PURPOSE_TOO_LONG",
    "SUBJECT_BLANK",
    "SUBJECT_EXISTS",
    "SUBJECT_MAX_LENGTH",
    "SUBJECT_NOT_YOURS",
    "SUBJECT_TOO_LONG",
    "allocation_set",
    "clean_purpose",
    "clean_subject_name",
    "session_adjust_time",
    "session_auto_clock_out",
    "session_clock_in",
    "session_clock_out",
    "session_confirm",
    "session_keep_going",
    "session_pause",
    "session_remind_forgotten",
    "session_reopen",
    "session_resume",
    "session_set_note",
    "session_set_purpose",
    "subject_create",
    "tracked_user_set_timezone",
    "tracked_user_set_weekly_summary",
    "weekly_summary_send",
]
