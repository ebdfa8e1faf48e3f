"""Demo data for `make run`: the demo guild's shift policy, moderator slots and shifts, once.

Only members holding a moderator or admin role (config.demo.MODERATORS) own schedule slots. The
moderator dropped an open shift for tomorrow evening; the admin dropped her next slot and the
moderator claimed it. Both are posted in the guild's shifts channel through the outbox."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone as dj_timezone

from config import demo
from config.actors import Actor
from config.timeutils import local_today, wall_instant, zone_or_error
from shifts import services
from shifts.models import ShiftPolicy

SLOTS = {
    demo.MODERATOR.user_id: ((0, "18:00"), (3, "20:30")),
    demo.ADMIN.user_id: ((5, "10:00"), (6, "14:00")),
}


def actor_for(member: demo.Member) -> Actor:
    roles = frozenset(member.role_ids)
    return Actor(
        user_id=member.user_id,
        role_ids=roles,
        is_moderator=bool(roles & {demo.MODERATOR_ROLE_ID, demo.ADMIN_ROLE_ID}),
        is_admin=demo.ADMIN_ROLE_ID in roles,
    )


def load_demo_data(now: datetime | None = None) -> str:
    now = now or dj_timezone.now()
    if ShiftPolicy.objects.filter(guild_id=demo.GUILD_ID).exists():
        return "demo shift policy already present"
    services.policy_save(policy=ShiftPolicy(guild_id=demo.GUILD_ID))
    slots = {}
    for member in demo.MODERATORS:
        for day, clock in SLOTS[member.user_id]:
            slot = services.schedule_add(
                guild_id=demo.GUILD_ID,
                actor=actor_for(member),
                user_id=member.user_id,
                day=day,
                time=clock,
                timezone=member.timezone,
            )
            slots.setdefault(member.user_id, []).append(slot)
    channel = demo.CHANNELS["shifts"]
    zone = zone_or_error(demo.GUILD_TIMEZONE)
    tomorrow = local_today(zone, now=now) + timedelta(days=1)
    start = wall_instant(tomorrow, time(19, 0), zone).astimezone(zone)
    open_shift = services.shift_drop(
        guild_id=demo.GUILD_ID,
        actor=actor_for(demo.MODERATOR),
        start=f"{start:%Y-%m-%d %H:%M}",
        duration=2,
        description="Cover the evening queue: I am away tomorrow.",
        timezone=zone,
        channel_id=channel,
        now=now,
    )
    dropped = services.shift_drop_from_slot(
        guild_id=demo.GUILD_ID,
        actor=actor_for(demo.ADMIN),
        slot_id=slots[demo.ADMIN.user_id][0].pk,
        description="Family visit this weekend.",
        channel_id=channel,
        now=now,
    )
    services.shift_claim(guild_id=demo.GUILD_ID, actor=actor_for(demo.MODERATOR), shift_id=dropped.pk, now=now)
    slot_count = sum(len(s) for s in SLOTS.values())
    return (
        f"demo shift policy, {slot_count} moderator slots, open shift {open_shift.pk} and claimed shift "
        f"{dropped.pk} in guild {demo.GUILD_ID}"
    )
