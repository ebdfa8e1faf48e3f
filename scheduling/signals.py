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

# The announcement watcher (scheduling.services.watcher), each sent once per change it makes:
# - announcement_understood(reminder, created): an announcement became a reminder (created=True)
#   or an edit changed its reminder (created=False). `reminder.announcement` is its record.
# - announcement_not_understood(guild_id, channel_id, message_id, reason, fingerprint, reminder):
#   the announcement does not say when (`reason`, an ApplicationError); `reminder` is the reminder
#   an edit made it lose (archived), else None; `fingerprint` identifies the text that was read.
# - announcement_withdrawn(reminder): the announcement was deleted and its reminder archived.
announcement_understood = Signal()
announcement_not_understood = Signal()
announcement_withdrawn = Signal()
