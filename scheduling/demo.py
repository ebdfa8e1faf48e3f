"""Demo data for `make run`: the demo guild's roster (config.demo), through the services, once.

Ranks are the defaults, with Officer and Guild Leader mapped to the Moderators and Admins roles
(so a member's rank follows the roles they hold); every demo member is a player with a zone and
a week of availability, so `/raidtime` has a heatmap to draw."""

from __future__ import annotations

from config import demo
from config.actors import SYSTEM
from scheduling.models import Player
from scheduling.services import availability_set_week, player_create, rank_update
from scheduling.services.ranks import ranks_ensure_defaults


def load_demo_data() -> str:
    known = set(
        Player.objects.filter(
            guild_id=demo.GUILD_ID, discord_user_id__in=[m.user_id for m in demo.MEMBERS]
        ).values_list("discord_user_id", flat=True)
    )
    missing = [member for member in demo.MEMBERS if member.user_id not in known]
    if not missing:
        return "demo roster already present"
    ranks = {rank.name: rank for rank in ranks_ensure_defaults(guild_id=demo.GUILD_ID)}
    for name, role_id in demo.RANK_ROLES.items():
        if ranks[name].discord_role_id is None:
            rank_update(actor=SYSTEM, rank=ranks[name], discord_role_id=role_id)
    for member in missing:
        player = player_create(
            actor=SYSTEM,
            guild_id=demo.GUILD_ID,
            discord_user_id=member.user_id,
            display_name=member.display_name,
            rank=ranks[member.rank],
            timezone=member.timezone,
            raid_team=True,
        )
        availability_set_week(
            player=player,
            days=[
                {"day_of_week": day, "earliest_start": start, "available_hours": hours}
                for day, start, hours in member.availability
            ],
        )
    return f"demo roster: {len(missing)} players with ranks and weekly availability in guild {demo.GUILD_ID}"
