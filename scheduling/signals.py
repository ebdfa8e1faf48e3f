"""Domain events of the scheduling app, sent inside the transaction that causes them.

- reminders_due(firings): reminders' occurrences the dispatcher is sending now, a list of
  :class:`scheduling.dispatcher.Firing` (the locked Reminder row and its Dispatch record, whose
  `kind` is "weekly", "early" or "event"); receivers turn each into outbox rows, keyed by the
  dispatch record, in the dispatcher's transaction.
- jobs_due(firings): scheduled jobs' runs (see below).
"""

from django.dispatch import Signal

reminders_due = Signal()

# Scheduled jobs' runs the dispatcher (or a "run now") is sending: a list of
# :class:`scheduling.dispatcher.Firing` (the locked ScheduledJob row and its Dispatch record, whose
# `kind` is "run" or "manual"); receivers turn each into outbox rows in the same transaction.
jobs_due = Signal()
