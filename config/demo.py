"""Who is who in the demo guild: the one cast every app's demo data and the local Discord emulator
use, so that the data agrees with the roles each member holds.

`make run` and `make sandbox` load each app's demo data once (`manage.py bootstrap`, through the
services); `manage.py discord_emulator` serves this guild with these channels, roles and members.
Ids are Discord snowflakes in a range Discord never hands out (they would date from 2015).

- The demo **member** (Mira) holds no role: she tracks her time (a finished week of focus
  sessions against her allocations, none running), raids at rank Member and owns no moderator
  slot. `discord_emulator send ...` acts as her unless told `--moderator` or `--admin`.
- The demo **moderator** (Tomas) holds Moderators (mapped to the rank Officer): he has weekly
  moderator slots, dropped an open shift and claimed the admin's.
- The demo **admin** (Ada) holds Admins (mapped to Guild Leader): weekly moderator slots too.
- Five more raiders hold no role and fill the roster, with ranks, zones and availability, so that
  `/raidtime` draws a real heatmap and the upcoming raid has sign-ups.
"""

from __future__ import annotations

from dataclasses import dataclass

GUILD_ID = 100_000_000_000_000_001
GUILD_NAME = "Demo Guild"
GUILD_TIMEZONE = "Europe/Berlin"

MODERATOR_ROLE_ID = 100_000_000_000_000_101
ADMIN_ROLE_ID = 100_000_000_000_000_102
ROLES = {MODERATOR_ROLE_ID: "Moderators", ADMIN_ROLE_ID: "Admins"}

CHANNELS = {
    "shifts": 100_000_000_000_000_201,
    "announcements": 100_000_000_000_000_202,
    "logs": 100_000_000_000_000_203,
    "raids": 100_000_000_000_000_204,
}


@dataclass(frozen=True)
class Member:
    user_id: int
    username: str
    display_name: str
    role_ids: tuple[int, ...]
    rank: str  # the scheduling rank (a default rank's name)
    timezone: str
    # Availability: (day of week 0 = Monday, earliest start "HH:MM", hours) in `timezone`.
    availability: tuple[tuple[int, str, float], ...]


MEMBER = Member(
    100_000_000_000_000_301,
    "mira",
    "Mira",
    (),
    "Member",
    "Europe/Berlin",
    ((0, "19:00", 4), (2, "19:30", 3.5), (3, "19:00", 4), (6, "18:00", 5)),
)
MODERATOR = Member(
    100_000_000_000_000_302,
    "tomas",
    "Tomas",
    (MODERATOR_ROLE_ID,),
    "Officer",
    "Europe/Berlin",
    ((1, "20:00", 3), (2, "19:00", 4), (3, "19:30", 3), (5, "16:00", 6)),
)
ADMIN = Member(
    100_000_000_000_000_303,
    "ada",
    "Ada",
    (ADMIN_ROLE_ID,),
    "Guild Leader",
    "Europe/London",
    ((0, "18:00", 4), (2, "18:30", 4), (3, "18:00", 4), (6, "17:00", 5)),
)
RAIDERS = (
    Member(
        100_000_000_000_000_304,
        "jonas",
        "Jonas",
        (),
        "Veteran",
        "Europe/Berlin",
        ((0, "19:30", 3), (2, "19:00", 4), (3, "20:00", 3), (4, "18:00", 5)),
    ),
    Member(
        100_000_000_000_000_305,
        "lea",
        "Lea",
        (),
        "Veteran",
        "Europe/Paris",
        ((1, "19:00", 4), (2, "19:30", 3.5), (3, "19:00", 4), (6, "17:30", 4)),
    ),
    Member(
        100_000_000_000_000_306,
        "sam",
        "Sam",
        (),
        "Member",
        "America/New_York",
        ((2, "13:00", 5), (3, "13:30", 4), (5, "10:00", 8), (6, "11:00", 6)),
    ),
    Member(
        100_000_000_000_000_307,
        "yuki",
        "Yuki",
        (),
        "Member",
        "Europe/Helsinki",
        ((0, "20:00", 4), (2, "20:30", 3), (3, "20:00", 4)),
    ),
    Member(
        100_000_000_000_000_308,
        "pip",
        "Pip",
        (),
        "Initiate",
        "Europe/Berlin",
        ((2, "19:00", 4), (4, "19:00", 4)),
    ),
)
MEMBERS = (MEMBER, MODERATOR, ADMIN, *RAIDERS)
# Who holds the moderator level in Discord (a moderator or admin role): only they own schedule slots.
MODERATORS = tuple(m for m in MEMBERS if set(m.role_ids) & {MODERATOR_ROLE_ID, ADMIN_ROLE_ID})
# The ranks mapped to Discord roles: holding the role is holding the rank.
RANK_ROLES = {"Officer": MODERATOR_ROLE_ID, "Guild Leader": ADMIN_ROLE_ID}


def demo_guild_snapshot() -> dict:
    """The demo guild as Discord's GUILD_CREATE describes it: channels, roles and members' names."""
    return {
        "id": str(GUILD_ID),
        "name": GUILD_NAME,
        "icon": None,
        "channels": [
            {"id": str(channel_id), "name": name, "type": 0, "position": index}
            for index, (name, channel_id) in enumerate(CHANNELS.items())
        ],
        "roles": [{"id": str(GUILD_ID), "name": "@everyone", "color": 0, "position": 0}]
        + [
            {"id": str(role_id), "name": name, "color": 0x3498DB, "position": index}
            for index, (role_id, name) in enumerate(ROLES.items(), 1)
        ],
        "members": [
            {
                "user": {"id": str(m.user_id), "username": m.username, "global_name": m.display_name},
                "nick": None,
                "roles": [str(role) for role in m.role_ids],
            }
            for m in MEMBERS
        ],
    }
