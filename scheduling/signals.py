"""Domain events of the scheduling app, sent inside the transaction that causes them.

- reminders_due(firings): reminders' occurrences the dispatcher is sending now, a list of
  :class:`scheduling.dispatcher.Firing` (the locked Reminder row and its Dispatch record, whose
  `kind` is "weekly", "early" or "event"); receivers turn each into outbox rows, keyed by the
  dispatch record, in the dispatcher's transaction.
"""

from django.dispatch import Signal

reminders_due = Signal()
