"""Events of the Discord layer itself."""

from django.dispatch import Signal

# An outbox action became dead (it will not be tried again unless someone retries it). Sent
# inside the transaction that marked it dead, with `action_id`.
action_dead = Signal()

# An outbox action failed and will be tried again (at its `next_attempt_at`). Sent inside the
# transaction that recorded the failure, with `action_id` and `error` (the reason, one line).
action_retrying = Signal()
