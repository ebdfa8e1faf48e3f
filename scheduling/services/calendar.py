"""A guild's calendar feed token: made on first use, rotated by an admin."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from config.actors import Actor
from config.exceptions import ApplicationError
from scheduling.models import CalendarFeed
from scheduling.models.calendar import new_feed_token

NOT_ADMIN_FEED = "Only admins can see or change the server's calendar link."


def _require_admin(actor: Actor) -> None:
    if not (actor.is_admin or actor.is_staff):
        raise ApplicationError(NOT_ADMIN_FEED, code="permission_denied")


def calendar_feed_ensure(*, actor: Actor, guild_id: int) -> CalendarFeed:
    """The guild's feed (admins, staff), made with a fresh token the first time."""
    _require_admin(actor)
    with transaction.atomic():
        feed, _ = CalendarFeed.objects.get_or_create(guild_id=guild_id)
    return feed


def calendar_feed_rotate(*, actor: Actor, guild_id: int) -> CalendarFeed:
    """Give the guild's feed a new token (admins, staff): the old link answers 404 from now on."""
    _require_admin(actor)
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(guild_id=guild_id)
        if not created:
            feed.token = new_feed_token()
            feed.rotated_at = timezone.now()
            feed.save(update_fields=["token", "rotated_at"])
    return feed
