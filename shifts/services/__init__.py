"""Every write of the shifts app. Each service is one transaction, refuses with ApplicationError
(templates in :mod:`shifts.services.messages`) and sends its domain signal inside the transaction.

Who acts is an :class:`Actor` (a Discord user id and what they may do), built by the caller: the
Discord handlers from the member's permission level, the API and the admin from the staff user.
The modules: ``actor`` (who acts), ``policy`` (the guild's numbers and the zone defaults),
``schedules`` (weekly slots), ``shifts`` (drop, edit, cancel), ``claims`` (claim, release,
fairness), ``periodic`` (what the beat tasks run). Import from here: ``from shifts import services``.
"""

from shifts.selectors import BAD_PERIOD, PERIODS, policy_for
from shifts.services.actor import Actor
from shifts.services.claims import claimed_hours_7d, shift_claim, shift_release
from shifts.services.messages import (
    ALREADY_CANCELLED,
    ALREADY_YOURS,
    BAD_DAY,
    BAD_DURATION,
    DESCRIPTION_TOO_LONG,
    DURATION_OUT_OF_POLICY,
    EDIT_CLAIMED,
    HEAVY,
    NO_CHANNEL,
    NO_SUCH_SLOT,
    NOT_ADMIN_FOR_OTHERS,
    NOT_MODERATOR,
    NOT_OWNER,
    NOT_YOUR_CLAIM,
    NOTHING_TO_EDIT,
    OCCURRENCE_ALREADY_DROPPED,
    OWN_SHIFT,
    RELEASE_STARTED,
    SAME_OCCURRENCE,
    SHIFT_CANCELLED,
    SHIFT_CLAIMED_BY,
    SHIFT_EXPIRED,
    SHIFT_NOT_FOUND,
    SHIFT_STARTED,
    SLOT_EXISTS,
    SLOT_EXISTS_FOR,
    SLOT_NOT_FOUND,
    START_IN_PAST,
    WRONG_CHANNEL,
)
from shifts.services.periodic import REMINDER_LEAD, shift_expire_due, shift_send_due_reminders
from shifts.services.policy import policy_save, resolve_timezone
from shifts.services.schedules import schedule_add, schedule_clear, schedule_delete, schedule_remove
from shifts.services.shifts import (
    DESCRIPTION_LIMIT,
    shift_cancel,
    shift_drop,
    shift_drop_from_slot,
    shift_edit,
    shift_record_message,
)

__all__ = [
    "ALREADY_CANCELLED",
    "ALREADY_YOURS",
    "BAD_DAY",
    "BAD_DURATION",
    "BAD_PERIOD",
    "DESCRIPTION_LIMIT",
    "DESCRIPTION_TOO_LONG",
    "DURATION_OUT_OF_POLICY",
    "EDIT_CLAIMED",
    "HEAVY",
    "NO_CHANNEL",
    "NO_SUCH_SLOT",
    "NOTHING_TO_EDIT",
    "NOT_ADMIN_FOR_OTHERS",
    "NOT_MODERATOR",
    "NOT_OWNER",
    "NOT_YOUR_CLAIM",
    "OCCURRENCE_ALREADY_DROPPED",
    "OWN_SHIFT",
    "PERIODS",
    "RELEASE_STARTED",
    "REMINDER_LEAD",
    "SAME_OCCURRENCE",
    "SHIFT_CANCELLED",
    "SHIFT_CLAIMED_BY",
    "SHIFT_EXPIRED",
    "SHIFT_NOT_FOUND",
    "SHIFT_STARTED",
    "SLOT_EXISTS",
    "SLOT_EXISTS_FOR",
    "SLOT_NOT_FOUND",
    "START_IN_PAST",
    "WRONG_CHANNEL",
    "Actor",
    "claimed_hours_7d",
    "policy_for",
    "policy_save",
    "resolve_timezone",
    "schedule_add",
    "schedule_clear",
    "schedule_delete",
    "schedule_remove",
    "shift_cancel",
    "shift_claim",
    "shift_drop",
    "shift_drop_from_slot",
    "shift_edit",
    "shift_expire_due",
    "shift_record_message",
    "shift_release",
    "shift_send_due_reminders",
]
