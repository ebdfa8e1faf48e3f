"""What the shifts services say when they refuse: message templates with named fields.

Parameters stay typed (an instant is an aware datetime, a member a ``UserRef``, a channel a
``ChannelRef``), so the API shows them as ISO 8601 and plain ids and Discord as timestamps and
mentions. A datetime field's format spec is the Discord style (``{start:FR}``: full and relative);
the plain text ignores it.
"""

NOT_MODERATOR = "Only moderators can do this."
NOT_ADMIN_FOR_OTHERS = "Only admins can do this for another member."
WRONG_CHANNEL = "Shift commands work in {channel} only."
NO_CHANNEL = (
    "This server has no shift channel yet. An admin can set one in the back office (Discord → Guild "
    "configurations) or with `configure_guild --channel shifts=CHANNEL_ID`."
)
BAD_DAY = "The day must be 0 (Monday) to 6 (Sunday)."
BAD_DURATION = "The duration must be a number of hours."
DURATION_OUT_OF_POLICY = "A shift lasts from {low:g} to {high:g} hours here; {value:g} is outside that."
DESCRIPTION_TOO_LONG = "The description has {length} characters; at most {limit} are allowed."
SLOT_EXISTS = "You already have a slot on {day} at {hh:02d}:{mm:02d}."
SLOT_EXISTS_FOR = "{user} already has a slot on {day} at {hh:02d}:{mm:02d}."
NO_SUCH_SLOT = "There is no slot on {day} at {hh:02d}:{mm:02d} in that schedule."
SLOT_NOT_FOUND = "That schedule slot does not exist (it may have been removed)."
OCCURRENCE_ALREADY_DROPPED = (
    "The {day} {hh:02d}:{mm:02d} shift starting {start} is already dropped (shift #{shift_id})."
)
SAME_OCCURRENCE = "Shift #{shift_id} already covers that start of the same moderator's schedule."
START_IN_PAST = "The start {start} has already passed; shifts can only be dropped for the future."
SHIFT_NOT_FOUND = "That shift does not exist (it may have been removed)."
NOT_OWNER = "Only the member who dropped this shift, or an admin, can change it."
SHIFT_CANCELLED = "Shift #{shift_id} was cancelled."
SHIFT_EXPIRED = "Shift #{shift_id} expired: it started without anyone claiming it."
SHIFT_STARTED = "Shift #{shift_id} has already started."
SHIFT_CLAIMED_BY = "Shift #{shift_id} is already claimed by {user}."
ALREADY_YOURS = "You already claimed shift #{shift_id}."
OWN_SHIFT = "This is your own shift; cancel it with /shift_cancel instead of claiming it."
EDIT_CLAIMED = "Shift #{shift_id} is claimed by {user}; only unclaimed shifts can be edited (cancel it instead)."
NOTHING_TO_EDIT = "Give at least one of start, duration and description to change."
CANCEL_STARTED = (
    "Shift #{shift_id} started {start}; a claimed shift cannot be cancelled once it has started "
    "(its hours stay with the moderator who claimed it)."
)
ALREADY_CANCELLED = "Shift #{shift_id} is already cancelled."
NOT_YOUR_CLAIM = "You have not claimed shift #{shift_id}, so there is nothing to release."
RELEASE_STARTED = "Shift #{shift_id} has already started; a claim can only be released before the start."
HEAVY = (
    "You have claimed {hours:g} hours of shifts in the last 7 days, which reaches the cap of {cap:g} hours. "
    "Over the cap you may only claim shifts starting within {window} minutes, so you can claim this one from "
    "{may_claim_from:FR}."
)
