"""Reminder commands: /add_reminder (moderators), /reminder_list (anyone, paged) and
/reminder_delete (its creator or an admin).

Handlers translate: the options and the interaction's resolved data in, one
`scheduling.services.reminders` call, a presenter's answer out. What only Discord knows is checked
here before the service runs: a channel option must be a channel of this server (Discord sends the
channels it resolved for the command, and only those of the server it runs in), and a `mention` of
the server's own id is @everyone. Every refusal is ephemeral and writes nothing.
"""

from __future__ import annotations

from botworker.handlers.zones import register_zone_option
from botworker.interactions import Choice, Invocation, Option, OptionType, PagedText, Reply, paged_list, router
from botworker.interactions.routing import NEEDS_GUILD
from botworker.models import PermissionLevel
from botworker.presenters import reminders as present
from botworker.watcher import announcement_from_link
from config.actors import Actor
from config.exceptions import ApplicationError, ChannelRef
from scheduling import selectors
from scheduling.models import MAX_LEAD_MINUTES
from scheduling.models.reminders import MAX_LOCATION_LENGTH, MAX_NAME_LENGTH
from scheduling.services import reminders as services

CHANNEL_OF_ANOTHER_GUILD = "{channel} is not a channel of this server; pick one of this server's channels."
NOT_A_TEXT_CHANNEL = "{channel} is a category or a forum; pick a channel messages can be posted in."
# Channel types nothing can be posted in directly: a category, a forum, a media channel.
UNPOSTABLE_CHANNEL_TYPES = frozenset({4, 15, 16})

ADD_OPTIONS = [
    Option("name", "What the reminder is called (shown in bold)", required=True, max_length=MAX_NAME_LENGTH),
    Option("message", "The text posted", required=True, max_length=services.MAX_MESSAGE_LENGTH),
    Option("time", "HH:MM (24 h) in the reminder's time zone", max_length=5),
    Option("days", "Recurring: mon,wed / 0,2 / daily / weekdays / weekends (en, nl, fr)", max_length=100),
    Option("date", "One-off: YYYY-MM-DD (sent at `date time`)", max_length=10),
    Option("timezone", "IANA zone (default: yours, then the server's)", autocomplete=True, max_length=64),
    Option("channel", "Where it is posted (default: here)", OptionType.CHANNEL),
    Option("location", "Where the event is (shown under the message)", max_length=MAX_LOCATION_LENGTH),
    Option(
        "lead",
        "One-off: also send this many minutes before (default 60, 0 = no early send)",
        OptionType.INTEGER,
        min_value=0,
        max_value=MAX_LEAD_MINUTES,
    ),
    Option("mention", "A role to mention when it is sent", OptionType.ROLE),
    Option(
        "embed_link",
        "A message link: its announcement gives the date, time, days and location (read as the watcher does)",
        max_length=200,
    ),
]


def actor_of(inv: Invocation) -> Actor:
    return Actor(
        user_id=inv.user_id,
        role_ids=frozenset(inv.role_ids),
        is_moderator=inv.level >= PermissionLevel.MODERATOR,
        is_admin=inv.level >= PermissionLevel.ADMIN,
    )


def _zone_name(inv: Invocation) -> str:
    """The typed zone, else the member's own zone, else the server's."""
    typed = inv.options.get("timezone")
    if typed:
        return typed
    member = selectors.member_zone(inv.user_id)
    if member is not None:
        return str(member)
    return str(inv.guild.timezone) if inv.guild is not None else "UTC"


def _channel(inv: Invocation) -> int:
    """The channel option, checked against the interaction's resolved channels (Discord resolves
    only channels of the server the command runs in), else the channel the command was run in."""
    channel_id = inv.options.get("channel")
    if channel_id is None:
        return inv.channel_id
    resolved = (inv.resolved.get("channels") or {}).get(str(channel_id))
    if not isinstance(resolved, dict) or str(resolved.get("guild_id", inv.guild_id)) != str(inv.guild_id):
        raise ApplicationError(CHANNEL_OF_ANOTHER_GUILD, params={"channel": ChannelRef(channel_id)}, field="channel")
    if resolved.get("type") in UNPOSTABLE_CHANNEL_TYPES:
        raise ApplicationError(NOT_A_TEXT_CHANNEL, params={"channel": ChannelRef(channel_id)}, field="channel")
    return channel_id


def _mention(inv: Invocation) -> tuple[int | None, bool]:
    """(role to mention, whether that is @everyone): the server's @everyone role has its id."""
    role_id = inv.options.get("mention")
    if role_id is None:
        return None, False
    if role_id == inv.guild_id:
        return None, True
    return role_id, False


def _from_link(inv: Invocation) -> dict:
    """What the linked announcement says (when, location), for the options not typed. Typed
    options win: `time`, `days` or `date` given with a link replace what the link says of when."""
    link = inv.options.get("embed_link")
    if not link:
        return {}
    found = announcement_from_link(link, inv.guild_id, zone=_zone_name(inv))
    when: dict = {}
    if not any(inv.options.get(name) for name in ("time", "days", "date")):
        when = {key: found[key] for key in ("event_time", "days", "time_text") if key in found}
        when["timezone_name"] = found["timezone_name"]
    if not inv.options.get("location") and found.get("location"):
        when["location"] = found["location"]
    return when


@router.command(
    "add_reminder",
    description="Add a reminder: recurring (days + time) or one-off (date + time) (moderators)",
    options=ADD_OPTIONS,
    level=PermissionLevel.MODERATOR,
    guild_only=True,
    # Reading a linked message asks Discord: that invocation is deferred and runs with no
    # transaction open; without a link the answer is immediate.
    defer_when=lambda inv: bool(inv.options.get("embed_link")),
    calls_discord=True,
)
def add_reminder(inv: Invocation) -> Reply:
    channel_id = _channel(inv)
    role_id, everyone = _mention(inv)
    arguments = {
        "timezone_name": _zone_name(inv),
        "time_text": inv.options.get("time"),
        "days": inv.options.get("days"),
        "date_text": inv.options.get("date"),
        "location": inv.options.get("location", ""),
        **_from_link(inv),
    }
    reminder = services.reminder_create(
        actor=actor_of(inv),
        guild_id=inv.guild_id,
        name=inv.options["name"],
        message=inv.options["message"],
        channel_id=channel_id,
        lead_minutes=inv.options.get("lead"),
        mention_role_id=role_id,
        mention_everyone=everyone,
        **arguments,
    )
    return Reply(content=present.reminder_created(reminder), ephemeral=True, allowed_mentions={"parse": []})


register_zone_option("add_reminder", "timezone")


def _reminder_pages(inv: Invocation, arg: str) -> PagedText:
    """The server's active reminders (`arg`: a channel id, or empty for all), recomputed for
    whoever clicks Previous/Next."""
    if inv.guild_id is None:
        raise ApplicationError(NEEDS_GUILD)
    channel_id = int(arg) if arg.isdigit() else None
    reminders = list(selectors.reminders_for_guild(guild_id=inv.guild_id, channel_id=channel_id))
    return present.reminder_list(reminders, channel_id=channel_id)


REMINDER_LIST = paged_list("reminder_list", _reminder_pages)


@router.command(
    "reminder_list",
    description="The server's reminders with their next send",
    options=[Option("channel", "Only the reminders of this channel", OptionType.CHANNEL)],
    guild_only=True,
)
def reminder_list(inv: Invocation) -> Reply:
    channel_id = inv.options.get("channel")
    reply = REMINDER_LIST.reply(inv, arg=str(channel_id) if channel_id else "")
    reply.allowed_mentions = {"parse": []}
    return reply


@router.command(
    "reminder_delete",
    description="Delete a reminder (its creator or an admin)",
    options=[Option("reminder", "The reminder", OptionType.INTEGER, required=True, autocomplete=True)],
    guild_only=True,
)
def reminder_delete(inv: Invocation) -> Reply:
    reminder = services.reminder_archive(
        actor=actor_of(inv), guild_id=inv.guild_id, reminder_id=inv.options["reminder"]
    )
    return Reply(content=present.reminder_deleted(reminder), ephemeral=True)


@router.autocomplete("reminder_delete", "reminder")
def reminder_choices(inv: Invocation) -> list[Choice]:
    """This server's active reminders whose name contains what was typed (or all, for a number)."""
    if inv.guild_id is None:
        return []
    typed = str(inv.options.get("reminder") or "").strip()
    reminders = selectors.reminders_for_guild(guild_id=inv.guild_id, query="" if typed.isdigit() else typed)
    return [Choice(present.reminder_choice_name(reminder), reminder.pk) for reminder in reminders[:25]]
