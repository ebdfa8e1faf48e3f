"""The support desk set up in the Discord emulator for the tests with the real bot process: the
guild, a tickets category, a log channel, a moderator role with one moderator, and the member
who opens tickets (the bot tests' GUILD and MEMBER)."""

from __future__ import annotations

import pytest

from botworker.guilds import guild_configure
from botworker.tests.test_bot import GUILD, MEMBER

MODERATOR = 834_444_444_444_444_444


@pytest.fixture
def desk(emulator) -> dict:
    emulator.add_guild(guild_id=str(GUILD), name="Raiders")
    category = emulator.add_channel(str(GUILD), "tickets", type=4)
    logs = emulator.add_channel(str(GUILD), "logs")
    moderators = emulator.add_role(str(GUILD), "Moderators")
    emulator.add_member(str(GUILD), str(MEMBER))
    emulator.add_member(str(GUILD), str(MODERATOR), roles=[moderators["id"]])
    guild_configure(
        guild_id=GUILD,
        moderator_role_ids=[int(moderators["id"])],
        channels={"tickets_category": int(category["id"]), "logs": int(logs["id"])},
    )
    return {"logs": logs["id"], "moderators": moderators["id"]}
