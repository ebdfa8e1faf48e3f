"""Domain events of the attendance app, sent by its services inside their transaction.

- event_created(event): a raid event was created (post it, invite the auto-invite players).
- attendance_answered(attendance): a player signed up, went tentative or declined.
- event_reminder_due(event, players): the event starts soon; remind these players (once).
- event_summary_due(event, summary): the event ended; `summary` is its attendance summary dict.
"""

from django.dispatch import Signal

event_created = Signal()
attendance_answered = Signal()
event_reminder_due = Signal()
event_summary_due = Signal()
