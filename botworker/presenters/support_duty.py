"""How the duty ping of a new ticket looks in Discord: the line of the ticket channel's opening
message that pings the moderators on duty (or the staff roles when nobody is), and the note of
the requester's "ticket open" answer saying when the next shift starts when nobody is on duty."""

from __future__ import annotations

from botworker.presenters.text import discord_format, role_mention, user_mention
from support.services.duty import Duty

ON_DUTY = "On duty now: {who}."
NOBODY_ON_DUTY = "Nobody is on duty right now: {who}, please pick it up."
NOBODY_AT_ALL = "Nobody is on duty right now."
NEXT_SHIFT = "Nobody is on duty right now; the next shift starts {start:FR}."
NO_UPCOMING_SHIFT = "Nobody is on duty right now and there is no upcoming shift; the support staff have been pinged."


def duty_line(duty: Duty) -> str:
    """The opening message's ping line."""
    if duty.user_ids:
        return ON_DUTY.format(who=", ".join(user_mention(user) for user in duty.user_ids))
    if duty.role_ids:
        return NOBODY_ON_DUTY.format(who=", ".join(role_mention(role) for role in duty.role_ids))
    return NOBODY_AT_ALL


def next_shift_note(duty: Duty) -> str:
    """For the requester: empty when someone is on duty, else when the next shift starts."""
    if duty.on_duty:
        return ""
    if duty.next_start is None:
        return NO_UPCOMING_SHIFT
    return discord_format(NEXT_SHIFT, start=duty.next_start)
