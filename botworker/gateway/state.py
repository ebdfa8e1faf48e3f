"""discord.py's connection state, taking INTERACTION_CREATE raw.

discord.py builds an ``Interaction`` object from every INTERACTION_CREATE and hands it to its own
command tree. Guildhall routes interactions itself, from exactly the payload the HTTP endpoint
gets, so its connection state overrides the event's parser: the raw payload goes to the client's
``handle_raw_interaction`` and discord.py builds nothing from it. Everything else (guilds,
channels, roles, messages) is parsed by discord.py as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from discord.state import AutoShardedConnectionState, ConnectionState

RawInteractionHandler = Callable[[dict[str, Any]], None]


class RawInteractions:
    """Mixin for a ``ConnectionState``: INTERACTION_CREATE goes to ``raw_interaction_handler``.

    discord.py collects its parsers from the state's ``parse_<event>`` methods when the state is
    created, so overriding the method is all it takes."""

    raw_interaction_handler: RawInteractionHandler

    def __init__(self, *args: Any, raw_interaction_handler: RawInteractionHandler, **kwargs: Any) -> None:
        self.raw_interaction_handler = raw_interaction_handler
        super().__init__(*args, **kwargs)

    def parse_interaction_create(self, data: dict[str, Any]) -> None:
        self.raw_interaction_handler(data)


class GuildhallConnectionState(RawInteractions, ConnectionState):
    """The plain client's connection state, with raw interactions."""


class ShardedGuildhallConnectionState(RawInteractions, AutoShardedConnectionState):
    """The sharded client's connection state, with raw interactions."""
