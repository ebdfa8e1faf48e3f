"""Domain events of the shifts app, sent by services inside their transaction.

`shift_changed(shift, change, previous_claimer=None)`: a shift was dropped, claimed, released,
edited, cancelled, expired, or its claimed start passed (`change` is one of CHANGES); receivers re-render its message,
and tell the people concerned. `shift_reminder_due(shift)`: the claimer's reminder is due (sent once).
"""

from django.dispatch import Signal

CHANGES = ("dropped", "claimed", "released", "edited", "cancelled", "expired", "started")

shift_changed = Signal()
shift_reminder_due = Signal()
