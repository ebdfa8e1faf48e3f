"""Members as the bot last saw them, logins linked to Discord users, and the API's actor.

`member_seen` records, from every guild interaction, the roles and permission bits the member
held. `login_actor` resolves a linked login's level in a guild by the same rules as Discord
(:func:`botworker.permissions.resolve_level`) from that record; it is registered as
``config.actors``' resolver in ``BotworkerConfig.ready()``, so domain apps never import botworker.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from botworker.guilds import guild_config_for
from botworker.models import DiscordLink, GuildMember, PermissionLevel
from botworker.permissions import resolve_level
from config.actors import Actor

logger = logging.getLogger("guildhall.members")


def member_seen(*, guild_id: int, user_id: int, role_ids, permissions: int, now=None) -> bool:
    """Upsert what the bot saw of `user_id` in `guild_id`; False if that failed. Never raises: a
    failure is logged and rolled back to a savepoint, and the interaction goes on."""
    try:
        with transaction.atomic():
            GuildMember.objects.bulk_create(
                [
                    GuildMember(
                        guild_id=guild_id,
                        user_id=user_id,
                        role_ids=sorted(str(r) for r in role_ids),
                        permissions=permissions,
                        last_seen_at=now or timezone.now(),
                    )
                ],
                update_conflicts=True,
                unique_fields=["guild_id", "user_id"],
                update_fields=["role_ids", "permissions", "last_seen_at"],
            )
    except DatabaseError:
        logger.exception("could not record the member of guild %s", guild_id)
        return False
    return True


def login_actor(user, *, guild_id: int | None) -> Actor:
    """The actor of a login: anonymous acts as nobody, staff as staff; a linked login as its
    Discord user with the roles and level last seen in `guild_id` (with `guild_id` None, or a
    guild where the bot never saw them, just their user id: not a member there).

    One query for the link and the member record; the guild configuration (cached) only when the
    member holds roles, as only roles need it."""
    if user is None or not user.is_authenticated:
        return Actor()
    base = Actor.for_login(user)
    seen = GuildMember.objects.filter(guild_id=guild_id, user_id=OuterRef("discord_user_id"))
    link = (
        DiscordLink.objects.filter(user_id=user.pk)
        .annotate(
            seen_roles=Subquery(seen.values("role_ids")[:1]),
            seen_permissions=Subquery(seen.values("permissions")[:1]),
        )
        .values("discord_user_id", "seen_roles", "seen_permissions")
        .first()
    )
    if link is None:
        return base
    if guild_id is None or link["seen_roles"] is None:
        return replace(base, user_id=link["discord_user_id"])
    role_ids = frozenset(int(r) for r in link["seen_roles"])
    config = guild_config_for(guild_id) if role_ids else None
    level = resolve_level(config=config, role_ids=role_ids, permissions=int(link["seen_permissions"]))
    return replace(
        base,
        user_id=link["discord_user_id"],
        role_ids=role_ids,
        is_moderator=level >= PermissionLevel.MODERATOR,
        is_admin=level >= PermissionLevel.ADMIN,
        is_member=True,
    )


def member_guild_ids(user):
    """The guilds the bot has seen the login's linked Discord user in: a lazy queryset of ids, so
    a list filtered by it stays one query."""
    linked = DiscordLink.objects.filter(user_id=user.pk).values("discord_user_id")
    return GuildMember.objects.filter(user_id__in=linked).values_list("guild_id", flat=True)


def api_token_issue(*, discord_user_id: int, username: str = ""):
    """Create (or rotate) the personal API token of `discord_user_id`, linking a login to it (a new
    one with an unusable password when none is linked). Returns the new token's key."""
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        link = (
            DiscordLink.objects.select_for_update()
            .select_related("user")
            .filter(discord_user_id=discord_user_id)
            .first()
        )
        if link is None:
            User = get_user_model()
            name = f"discord-{discord_user_id}"
            if User.objects.filter(username=name).exists():
                name = f"{name}-{secrets.token_hex(3)}"
            user = User(username=name, first_name=(username or "")[:150])
            user.set_unusable_password()
            user.save()
            link = DiscordLink.objects.create(user=user, discord_user_id=discord_user_id)
        Token.objects.filter(user=link.user).delete()
        return Token.objects.create(user=link.user).key
