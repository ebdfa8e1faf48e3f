"""Domain events of the attendance app, sent by its services inside their transaction.

- event_created(event): a raid event was created (post it, invite the auto-invite players).
- event_changed(event, time_changed, cancelled): an officer edited or cancelled the event
  (re-render its post; tell those signed up when the time moved or it was cancelled).
- attendance_answered(attendance): a player signed up, went tentative or declined.
- event_reminder_due(event, players): the event starts soon; remind these players (once).
- event_summary_due(event, summary): the event ended; `summary` is its attendance summary dict.
"""

from django.dispatch import Signal

event_created = Signal()
event_changed = Signal()
attendance_answered = Signal()
event_reminder_due = Signal()
event_summary_due = Signal()
