"""Discord text for the typed values domain apps hand over: instants become Discord timestamps
(every reader sees their own local time), users, channels and roles become mentions."""

from __future__ import annotations

from datetime import datetime

from config.exceptions import ApplicationError, ChannelRef, RoleRef, UserRef
from config.snowflakes import is_tombstone

TIMESTAMP_STYLES = frozenset("tTdDfFR")


def timestamp(instant: datetime, style: str = "F") -> str:
    """`<t:UNIX:STYLE>`: F full date and time, f short, R relative, t/T time, d/D date."""
    return f"<t:{int(instant.timestamp())}:{style}>"


def when(instant: datetime) -> str:
    """Full date and time with the relative time after it: "<t:…:F> (<t:…:R>)"."""
    return f"{timestamp(instant, 'F')} ({timestamp(instant, 'R')})"


DELETED_MEMBER = "*deleted member*"


def user_mention(user_id: int) -> str:
    """A member's mention; an erased member's tombstone id (docs/gdpr.md) reads "deleted member"."""
    if is_tombstone(int(user_id)):
        return DELETED_MEMBER
    return f"<@{int(user_id)}>"


def channel_mention(channel_id: int) -> str:
    return f"<#{int(channel_id)}>"


def role_mention(role_id: int) -> str:
    return f"<@&{int(role_id)}>"


class DiscordValue:
    """A message parameter as Discord shows it. A datetime's format spec is its timestamp style
    (``{start:R}``); ``FR`` is the full time followed by the relative one; no spec means ``F``."""

    def __init__(self, value: object):
        self.value = value

    def __format__(self, spec: str) -> str:
        value = self.value
        if isinstance(value, datetime):
            if spec == "FR":
                return when(value)
            return timestamp(value, spec if spec in TIMESTAMP_STYLES else "F")
        if isinstance(value, UserRef):
            return user_mention(value.id)
        if isinstance(value, ChannelRef):
            return channel_mention(value.id)
        if isinstance(value, RoleRef):
            return role_mention(value.id)
        return format(value, spec)


def discord_format(template: str, **params) -> str:
    """`template` with each parameter as Discord shows it (datetimes as timestamps, refs as mentions)."""
    return template.format_map({name: DiscordValue(value) for name, value in params.items()})


def error_text(error: ApplicationError) -> str:
    """A domain refusal as Discord shows it: its template with timestamps and mentions."""
    return error.render(DiscordValue)
