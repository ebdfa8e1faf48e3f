"""Writing a guild's configuration (the admin, `configure_guild` and the demo data use this)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from botworker.models import GuildChannel, GuildConfig, GuildRole
from config import demo
from config.exceptions import ApplicationError
from config.snowflakes import as_snowflake
from config.timeutils import zone_or_error

DEMO_GUILD_ID = demo.GUILD_ID

UNKNOWN_FEATURE = "{feature!r} is not a channel feature; use one of: {features}."
BAD_ID = "{value!r} is not a Discord id (a number like 123456789012345678)."


def validate_timezone(zone: object) -> str:
    """The canonical name of `zone` (any case); ApplicationError with a suggestion when it is none."""
    return zone_or_error(zone, field="timezone").key


def parse_snowflake(value: object, *, field: str) -> int:
    number = as_snowflake(value.strip() if isinstance(value, str) else value)
    if number is None:
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
    channels: dict[str, int | None] | None = None,
) -> GuildConfig:
    """Create or update a guild's configuration. Role lists given replace that kind's roles;
    channels given are set per feature, a feature given None loses its channel, and features not
    given are kept. Validates everything before writing."""
    if timezone is not None:
        timezone = validate_timezone(timezone)
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
        if channel_id is None:
            config.channels.filter(feature=feature).delete()
        else:
            GuildChannel.objects.update_or_create(guild=config, feature=feature, defaults={"channel_id": channel_id})
    return config


# Every interaction needs its guild's configuration (roles, for the permission level); it changes
# rarely, so it is cached. A change deletes the entry at once and again after commit; without a
# shared cache (CACHE_URL) other processes may see the old configuration for up to this long.
CONFIG_CACHE_SECONDS = 60
_NO_CONFIG = "none"
# Each process also holds the configurations it read for this long, in front of the cache:
# unpickling one (or asking Redis for it) costs more than the rest of reading an interaction.
# A change made in another process reaches this one within that time (this process's own
# changes at once). The objects are shared: read them, never change them.
LOCAL_CONFIG_SECONDS = 2.0
_local_configs: dict[int, tuple[float, GuildConfig | None]] = {}


def _config_key(guild_id: int) -> str:
    return f"guildhall:guildconfig:v1:{guild_id}"


def guild_config_for(guild_id: int) -> GuildConfig | None:
    """The guild's configuration with its roles and channels loaded, or None; cached (in the
    process for LOCAL_CONFIG_SECONDS, in the cache for CONFIG_CACHE_SECONDS)."""
    now = time.monotonic()
    held = _local_configs.get(guild_id)
    if held is not None and held[0] > now:
        return held[1]
    key = _config_key(guild_id)
    cached = cache.get(key)
    if cached is not None:
        config = None if cached == _NO_CONFIG else cached
    else:
        config = GuildConfig.objects.prefetch_related("roles", "channels").filter(guild_id=guild_id).order_by().first()
        cache.set(key, config if config is not None else _NO_CONFIG, CONFIG_CACHE_SECONDS)
    _local_configs[guild_id] = (now + LOCAL_CONFIG_SECONDS, config)
    return config


def forget_local_guild_configs() -> None:
    """Drop this process's copies (the cache keeps its own): for tests that empty the cache."""
    _local_configs.clear()


def _forget(guild_id: int, key: str) -> None:
    cache.delete(key)
    _local_configs.pop(guild_id, None)


def forget_guild_config(guild_id: int) -> None:
    key = _config_key(guild_id)
    _forget(guild_id, key)
    # Another process (or this one) may cache the old rows before this transaction commits:
    # forget again then.
    transaction.on_commit(lambda: _forget(guild_id, key))


@receiver([post_save, post_delete], sender=GuildConfig, dispatch_uid="botworker.guildconfig_changed")
def _config_changed(sender, instance: GuildConfig, **kwargs) -> None:
    forget_guild_config(instance.guild_id)


@receiver([post_save, post_delete], sender=GuildRole, dispatch_uid="botworker.guildrole_changed")
@receiver([post_save, post_delete], sender=GuildChannel, dispatch_uid="botworker.guildchannel_changed")
def _part_changed(sender, instance: GuildRole | GuildChannel, **kwargs) -> None:
    guild_id = GuildConfig.objects.filter(pk=instance.guild_id).values_list("guild_id", flat=True).first()
    if guild_id is not None:
        forget_guild_config(guild_id)


def channel_for(config: GuildConfig, feature: str) -> int | None:
    """The channel id the guild uses for `feature`, if it set one."""
    return next((c.channel_id for c in config.channels.all() if c.feature == feature), None)
