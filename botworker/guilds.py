"""Writing a guild's configuration (the admin, `configure_guild` and the demo data use this)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable

from django.db import transaction

from botworker.models import GuildChannel, GuildConfig, GuildRole
from config.exceptions import ApplicationError

DEMO_GUILD_ID = 100_000_000_000_000_001

UNKNOWN_ZONE = "{zone!r} is not an IANA time zone (for example Europe/Berlin or America/New_York)."
UNKNOWN_FEATURE = "{feature!r} is not a channel feature; use one of: {features}."
BAD_ID = "{value!r} is not a Discord id (a number like 123456789012345678)."


def validate_timezone(zone: str) -> str:
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ApplicationError(UNKNOWN_ZONE.format(zone=zone), field="timezone") from None
    return zone


def parse_snowflake(value: object, *, field: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ApplicationError(BAD_ID.format(value=value), field=field) from None
    if not 0 < number < 1 << 63:
        raise ApplicationError(BAD_ID.format(value=value), field=field)
    return number


@transaction.atomic
def guild_configure(
    *,
    guild_id: int,
    name: str | None = None,
    timezone: str | None = None,
    moderator_role_ids: Iterable[int] | None = None,
    admin_role_ids: Iterable[int] | None = None,
    channels: dict[str, int] | None = None,
) -> GuildConfig:
    """Create or update a guild's configuration. Role lists given replace that kind's roles;
    channels given are set per feature (others are kept). Validates everything before writing."""
    if timezone is not None:
        validate_timezone(timezone)
    features = set(GuildChannel.Feature.values)
    for feature in channels or {}:
        if feature not in features:
            raise ApplicationError(
                UNKNOWN_FEATURE.format(feature=feature, features=", ".join(sorted(features))), field="channels"
            )
    config, _ = GuildConfig.objects.select_for_update().get_or_create(guild_id=guild_id)
    changed = []
    if name is not None:
        config.name, changed = name, [*changed, "name"]
    if timezone is not None:
        config.timezone, changed = timezone, [*changed, "timezone"]
    if changed:
        config.save(update_fields=[*changed, "updated_at"])
    for kind, role_ids in ((GuildRole.Kind.MODERATOR, moderator_role_ids), (GuildRole.Kind.ADMIN, admin_role_ids)):
        if role_ids is None:
            continue
        config.roles.filter(kind=kind).exclude(role_id__in=list(role_ids)).delete()
        for role_id in role_ids:
            GuildRole.objects.get_or_create(guild=config, role_id=role_id, kind=kind)
    for feature, channel_id in (channels or {}).items():
        GuildChannel.objects.update_or_create(guild=config, feature=feature, defaults={"channel_id": channel_id})
    return config


def channel_for(config: GuildConfig, feature: str) -> int | None:
    """The channel id the guild uses for `feature`, if it set one."""
    return next((c.channel_id for c in config.channels.all() if c.feature == feature), None)
