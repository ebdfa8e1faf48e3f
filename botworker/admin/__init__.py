"""The Discord layer's back office: guild configurations (written through the
``guild_configure`` service), the outbox, and the record of answered interactions."""

from botworker.admin import directory, guilds, interactions, members, outbox  # noqa: F401 - each module registers its admin
