"""The Discord directory: the names of the guilds, channels, roles and members the bot has seen.

Discord ids are what every table stores; this is where the back office finds the names for them.
The bot keeps it current from two sources:

* gateway events (:func:`apply_gateway_event`): GUILD_CREATE is a full snapshot of a guild's
  channels and roles (what it no longer lists is marked gone), GUILD_UPDATE/DELETE, CHANNEL_* and
  GUILD_ROLE_* change one row, GUILD_MEMBER_* (only with the members intent) one member;
* every interaction (:func:`record_interaction_people`): the acting member or user and the users,
  members, roles and channels in its ``resolved`` data. That write is one upsert per kind of row
  inside a savepoint; a failure is logged and never reaches the interaction.

Nothing is ever deleted: a channel, role or guild Discord deleted, a member who left, keeps its
last name with ``gone_at`` set, so an old shift still shows who claimed it.

:func:`record_guild_snapshot` takes a GUILD_CREATE-shaped dict and is also what demo data and
tests use to seed names for a guild.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from botworker.models import DirectoryChannel, DirectoryGuild, DirectoryMember, DirectoryRole, DirectoryUser
from config.snowflakes import as_snowflake

logger = logging.getLogger("guildhall.directory")

THREAD_TYPES = frozenset({10, 11, 12})
TEXT_CHANNEL_TYPES = (DirectoryChannel.Type.TEXT, DirectoryChannel.Type.ANNOUNCEMENT)
CATEGORY_TYPES = (DirectoryChannel.Type.CATEGORY,)


def _text(value: Any, limit: int = 100) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


# --- turning payloads into rows -----------------------------------------------------------------


def _user_row(user: Mapping[str, Any]) -> DirectoryUser | None:
    user_id = as_snowflake(user.get("id")) if isinstance(user, Mapping) else None
    if user_id is None:
        return None
    return DirectoryUser(
        user_id=user_id,
        username=_text(user.get("username")),
        global_name=_text(user.get("global_name")),
        avatar=_text(user.get("avatar"), 64),
    )


def _member_row(guild_id: int, user_id: int, member: Mapping[str, Any]) -> DirectoryMember:
    return DirectoryMember(
        guild_id=guild_id,
        user_id=user_id,
        nick=_text(member.get("nick")),
        avatar=_text(member.get("avatar"), 64),
        gone_at=None,
    )


def _channel_row(channel: Mapping[str, Any], guild_id: int | None = None) -> DirectoryChannel | None:
    if not isinstance(channel, Mapping):
        return None
    channel_id = as_snowflake(channel.get("id"))
    guild_id = guild_id or as_snowflake(channel.get("guild_id"))
    kind = _int(channel.get("type"), -1)
    if channel_id is None or guild_id is None or kind < 0 or kind in THREAD_TYPES:
        return None
    return DirectoryChannel(
        channel_id=channel_id,
        guild_id=guild_id,
        name=_text(channel.get("name")),
        type=kind,
        parent_id=as_snowflake(channel.get("parent_id")),
        position=_int(channel.get("position")),
        gone_at=None,
    )


def _role_row(guild_id: int, role: Mapping[str, Any]) -> DirectoryRole | None:
    role_id = as_snowflake(role.get("id")) if isinstance(role, Mapping) else None
    if role_id is None:
        return None
    colours = role.get("colors")
    colour = _int(colours.get("primary_color")) if isinstance(colours, Mapping) else 0
    return DirectoryRole(
        role_id=role_id,
        guild_id=guild_id,
        name=_text(role.get("name")),
        colour=_int(role.get("color"), colour),
        position=_int(role.get("position")),
        gone_at=None,
    )


# --- writing ------------------------------------------------------------------------------------


def _upsert(model, rows: Iterable, unique: list[str], update: list[str]) -> None:
    rows = list({tuple(getattr(r, f) for f in unique): r for r in rows if r is not None}.values())
    if rows:
        model.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=unique, update_fields=[*update, "updated_at"]
        )


def _upsert_users(rows: Iterable[DirectoryUser | None]) -> None:
    _upsert(DirectoryUser, rows, ["user_id"], ["username", "global_name", "avatar"])


def _upsert_members(rows: Iterable[DirectoryMember]) -> None:
    _upsert(DirectoryMember, rows, ["guild_id", "user_id"], ["nick", "avatar", "gone_at"])


def _upsert_channels(rows: Iterable[DirectoryChannel | None]) -> None:
    _upsert(DirectoryChannel, rows, ["channel_id"], ["guild_id", "name", "type", "parent_id", "position", "gone_at"])


def _upsert_roles(rows: Iterable[DirectoryRole | None]) -> None:
    _upsert(DirectoryRole, rows, ["role_id"], ["guild_id", "name", "colour", "position", "gone_at"])


def _record_members(guild_id: int, members: Iterable[Any]) -> None:
    users, rows = [], []
    for member in members:
        if not isinstance(member, Mapping):
            continue
        user = _user_row(member.get("user") or {})
        if user is not None:
            users.append(user)
            rows.append(_member_row(guild_id, user.user_id, member))
    _upsert_users(users)
    _upsert_members(rows)


@transaction.atomic
def record_guild_snapshot(guild: Mapping[str, Any], *, now=None) -> DirectoryGuild | None:
    """Record a guild as GUILD_CREATE describes it (``id``, ``name``, ``icon``, ``channels``,
    ``roles`` and optionally ``members``). The channels and roles are the guild's complete lists:
    those of the guild the snapshot no longer lists are marked gone. Members are upserted only
    (a snapshot lists only some). Returns the guild's row, or None for a payload without an id."""
    guild_id = as_snowflake(guild.get("id"))
    if guild_id is None:
        return None
    now = now or timezone.now()
    row = _record_guild(guild_id, guild)
    if isinstance(guild.get("channels"), list):
        channels = [_channel_row(c, guild_id) for c in guild["channels"]]
        _upsert_channels(channels)
        listed = [c.channel_id for c in channels if c is not None]
        DirectoryChannel.objects.filter(guild_id=guild_id, gone_at__isnull=True).exclude(channel_id__in=listed).update(
            gone_at=now
        )
    if isinstance(guild.get("roles"), list):
        _record_roles(guild_id, guild["roles"], now=now)
    if isinstance(guild.get("members"), list):
        _record_members(guild_id, guild["members"])
    return row


def _record_guild(guild_id: int, guild: Mapping[str, Any]) -> DirectoryGuild:
    row, _ = DirectoryGuild.objects.update_or_create(
        guild_id=guild_id,
        defaults={"name": _text(guild.get("name")), "icon": _text(guild.get("icon"), 64), "gone_at": None},
    )
    return row


def _record_roles(guild_id: int, roles: list, *, now) -> None:
    rows = [_role_row(guild_id, r) for r in roles]
    _upsert_roles(rows)
    listed = [r.role_id for r in rows if r is not None]
    DirectoryRole.objects.filter(guild_id=guild_id, gone_at__isnull=True).exclude(role_id__in=listed).update(
        gone_at=now
    )


def _guild_update(data: Mapping[str, Any], now) -> None:
    guild_id = as_snowflake(data.get("id"))
    if guild_id is None:
        return
    _record_guild(guild_id, data)
    if isinstance(data.get("roles"), list):
        _record_roles(guild_id, data["roles"], now=now)


def _guild_delete(data: Mapping[str, Any], now) -> None:
    # `unavailable: true` is an outage, not a removal: the guild comes back with GUILD_CREATE.
    guild_id = as_snowflake(data.get("id"))
    if guild_id is not None and not data.get("unavailable"):
        DirectoryGuild.objects.filter(guild_id=guild_id, gone_at__isnull=True).update(gone_at=now)


def _channel_upsert(data: Mapping[str, Any], now) -> None:
    _upsert_channels([_channel_row(data)])


def _channel_delete(data: Mapping[str, Any], now) -> None:
    channel_id = as_snowflake(data.get("id"))
    if channel_id is None or _int(data.get("type"), -1) in THREAD_TYPES:
        return
    if DirectoryChannel.objects.filter(channel_id=channel_id).update(gone_at=now):
        return
    # Never seen before: recorded as Discord last described it, already gone.
    row = _channel_row(data)
    if row is not None:
        row.gone_at = now
        _upsert_channels([row])


def _role_upsert(data: Mapping[str, Any], now) -> None:
    guild_id = as_snowflake(data.get("guild_id"))
    if guild_id is not None:
        _upsert_roles([_role_row(guild_id, data.get("role") or {})])


def _role_delete(data: Mapping[str, Any], now) -> None:
    role_id = as_snowflake(data.get("role_id"))
    if role_id is not None:
        DirectoryRole.objects.filter(role_id=role_id, gone_at__isnull=True).update(gone_at=now)


def _member_upsert(data: Mapping[str, Any], now) -> None:
    guild_id = as_snowflake(data.get("guild_id"))
    if guild_id is not None:
        _record_members(guild_id, [data])


def _member_remove(data: Mapping[str, Any], now) -> None:
    guild_id = as_snowflake(data.get("guild_id"))
    user = _user_row(data.get("user") or {})
    if guild_id is None or user is None:
        return
    _upsert_users([user])
    DirectoryMember.objects.update_or_create(guild_id=guild_id, user_id=user.user_id, defaults={"gone_at": now})
    # Imported here: botworker.seen records through this module.
    from botworker.seen import forget_people_seen

    forget_people_seen(user_id=user.user_id)


def _members_chunk(data: Mapping[str, Any], now) -> None:
    guild_id = as_snowflake(data.get("guild_id"))
    if guild_id is not None and isinstance(data.get("members"), list):
        _record_members(guild_id, data["members"])


def _guild_create(data: Mapping[str, Any], now) -> None:
    if not data.get("unavailable"):
        record_guild_snapshot(data, now=now)


GATEWAY_EVENTS = {
    "GUILD_CREATE": _guild_create,
    "GUILD_UPDATE": _guild_update,
    "GUILD_DELETE": _guild_delete,
    "CHANNEL_CREATE": _channel_upsert,
    "CHANNEL_UPDATE": _channel_upsert,
    "CHANNEL_DELETE": _channel_delete,
    "GUILD_ROLE_CREATE": _role_upsert,
    "GUILD_ROLE_UPDATE": _role_upsert,
    "GUILD_ROLE_DELETE": _role_delete,
    "GUILD_MEMBER_ADD": _member_upsert,
    "GUILD_MEMBER_UPDATE": _member_upsert,
    "GUILD_MEMBER_REMOVE": _member_remove,
    "GUILD_MEMBERS_CHUNK": _members_chunk,
}


def apply_gateway_event(event: str, data: Any, *, now=None) -> bool:
    """Apply one gateway dispatch to the directory, in one transaction. Returns whether the event
    is one the directory follows. Never raises for a malformed payload or a database error: the
    directory is a convenience, and the bot goes on (the failure is logged)."""
    apply = GATEWAY_EVENTS.get(event)
    if apply is None:
        return False
    if not isinstance(data, Mapping):
        return True
    try:
        with transaction.atomic():
            apply(data, now or timezone.now())
    except (DatabaseError, AttributeError, TypeError, ValueError):
        logger.exception("could not record %s in the directory", event)
    return True


def record_interaction_people(payload: Mapping[str, Any]) -> bool:
    """Record who an interaction shows: the acting member (``member``, in a guild) or user (in a
    DM) and the ``resolved`` users, members, roles and channels of its options. One upsert per
    kind of row present, inside a savepoint; False if that failed. Never raises, so it never
    fails an interaction."""
    try:
        with transaction.atomic():
            _record_interaction(payload)
    except (DatabaseError, AttributeError, TypeError, ValueError):
        logger.exception("could not record the people of an interaction")
        return False
    return True


def _record_interaction(payload: Mapping[str, Any]) -> None:
    guild_id = as_snowflake(payload.get("guild_id"))
    users: list[DirectoryUser | None] = []
    members: list[DirectoryMember] = []
    member = payload.get("member")
    if guild_id is not None and isinstance(member, Mapping):
        user = _user_row(member.get("user") or {})
        if user is not None:
            users.append(user)
            members.append(_member_row(guild_id, user.user_id, member))
    elif isinstance(payload.get("user"), Mapping):
        users.append(_user_row(payload["user"]))
    data = payload.get("data")
    resolved = data.get("resolved") if isinstance(data, Mapping) else None
    roles, channels = [], []
    if isinstance(resolved, Mapping):
        for user in (resolved.get("users") or {}).values():
            users.append(_user_row(user))
        if guild_id is not None:
            for user_id, partial in (resolved.get("members") or {}).items():
                number = as_snowflake(user_id)
                if number is not None and isinstance(partial, Mapping):
                    members.append(_member_row(guild_id, number, partial))
            roles = [_role_row(guild_id, r) for r in (resolved.get("roles") or {}).values()]
            channels = [_channel_row(c, guild_id) for c in (resolved.get("channels") or {}).values()]
    _upsert_users(users)
    _upsert_members(members)
    # A resolved role or channel is partial (a channel has no position): name, type and colour
    # are kept current here; the gateway's full events keep the rest.
    _upsert(DirectoryRole, roles, ["role_id"], ["name", "colour", "gone_at"])
    _upsert(DirectoryChannel, channels, ["channel_id"], ["name", "type", "gone_at"])


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One id's name in the directory: ``label`` is how the admin shows it (``#shifts``,
    ``@Officers``, a member's display name), ``gone`` whether Discord no longer has it."""

    id: int
    label: str
    gone: bool = False


def _ids(values: Iterable[Any]) -> set[int]:
    return {n for n in (as_snowflake(v) for v in values) if n is not None}


def channel_entries(ids: Iterable[Any]) -> dict[int, Entry]:
    rows = DirectoryChannel.objects.filter(channel_id__in=_ids(ids)).values_list("channel_id", "name", "gone_at")
    return {i: Entry(i, f"#{name}" if name else f"#{i}", gone is not None) for i, name, gone in rows}


def role_entries(ids: Iterable[Any]) -> dict[int, Entry]:
    rows = DirectoryRole.objects.filter(role_id__in=_ids(ids)).values_list("role_id", "name", "gone_at")
    return {i: Entry(i, f"@{name}" if name else f"@{i}", gone is not None) for i, name, gone in rows}


def guild_entries(ids: Iterable[Any]) -> dict[int, Entry]:
    rows = DirectoryGuild.objects.filter(guild_id__in=_ids(ids)).values_list("guild_id", "name", "gone_at")
    return {i: Entry(i, name or str(i), gone is not None) for i, name, gone in rows}


def member_entries(pairs: Iterable[tuple[Any, Any]]) -> dict[tuple[int | None, int], Entry]:
    """Display names for (guild id, user id) pairs (guild id None: the user anywhere): the
    nickname in that guild, else the account's display name, else the username. Two queries."""
    wanted = [(as_snowflake(g) if g is not None else None, as_snowflake(u)) for g, u in pairs]
    wanted = [(g, u) for g, u in wanted if u is not None]
    if not wanted:
        return {}
    user_ids = {u for _, u in wanted}
    users = {
        u.user_id: u
        for u in DirectoryUser.objects.filter(user_id__in=user_ids).only("user_id", "username", "global_name")
    }
    condition = Q()
    for guild_id in {g for g, _ in wanted if g is not None}:
        condition |= Q(guild_id=guild_id, user_id__in={u for g, u in wanted if g == guild_id})
    members = {}
    if condition:
        members = {
            (m.guild_id, m.user_id): m
            for m in DirectoryMember.objects.filter(condition).only("guild_id", "user_id", "nick", "gone_at")
        }
    found = {}
    for guild_id, user_id in wanted:
        user, member = users.get(user_id), members.get((guild_id, user_id))
        name = (member.nick if member else "") or (str(user) if user else "")
        if name:
            found[(guild_id, user_id)] = Entry(user_id, name, member is not None and member.gone_at is not None)
    return found


def channel_choices(guild_id: int | None, types: Iterable[int] | None = None) -> list[tuple[int, list[Entry]]]:
    """The known, not-gone channels of `guild_id` (every guild's, grouped, when None) of the
    given types, as (guild id, entries) groups ordered by position."""
    rows = DirectoryChannel.objects.filter(gone_at__isnull=True)
    if guild_id is not None:
        rows = rows.filter(guild_id=guild_id)
    if types is not None:
        rows = rows.filter(type__in=list(types))
    rows = rows.order_by("guild_id", "position", "name").values_list("guild_id", "channel_id", "name")
    return _grouped((g, Entry(c, f"#{name or c}")) for g, c, name in rows)


def role_choices(guild_id: int | None) -> list[tuple[int, list[Entry]]]:
    """The known, not-gone roles of `guild_id` (or every guild's), highest first; @everyone
    (whose id is the guild's) is left out: it is never a role to configure."""
    rows = DirectoryRole.objects.filter(gone_at__isnull=True)
    if guild_id is not None:
        rows = rows.filter(guild_id=guild_id)
    rows = rows.order_by("guild_id", "-position", "name").values_list("guild_id", "role_id", "name")
    return _grouped((g, Entry(r, f"@{name or r}")) for g, r, name in rows if r != g)


def guild_choices() -> list[Entry]:
    """The guilds the bot is in (not gone), by name."""
    rows = DirectoryGuild.objects.filter(gone_at__isnull=True).order_by("name", "guild_id")
    return [Entry(g, name or str(g)) for g, name in rows.values_list("guild_id", "name")]


def _grouped(items: Iterable[tuple[int, Entry]]) -> list[tuple[int, list[Entry]]]:
    groups: dict[int, list[Entry]] = {}
    for guild_id, entry in items:
        groups.setdefault(guild_id, []).append(entry)
    return list(groups.items())


def search_user_ids(text: str, *, limit: int = 200) -> list[int]:
    """User ids whose username, display name or a nickname contains `text` (for admin search)."""
    text = text.strip()
    if not text:
        return []
    by_user = DirectoryUser.objects.filter(Q(username__icontains=text) | Q(global_name__icontains=text))
    by_nick = DirectoryMember.objects.filter(nick__icontains=text)
    ids = set(by_user.values_list("user_id", flat=True)[:limit]) | set(
        by_nick.values_list("user_id", flat=True)[:limit]
    )
    return sorted(ids)
