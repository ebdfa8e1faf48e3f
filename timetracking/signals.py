"""The domain events of time tracking, sent by services inside their transaction.

Receivers (in ``botworker``) turn them into outbox rows in the same transaction, so a DM is
enqueued exactly when the state change that calls for it commits.
"""

from __future__ import annotations

from django.dispatch import Signal

# A running session has had no sign of life for the reminder threshold: ask the user.
# Arguments: session (FocusSession), hours (int: hours since the last sign of life).
session_forgotten = Signal()

# A forgotten session was clocked out automatically at its last sign of life.
# Arguments: session (FocusSession).
session_auto_clocked_out = Signal()

# A user's weekly summary is due. Arguments: user (TrackedUser), report (selectors.WeeklyReport).
weekly_summary_due = Signal()
