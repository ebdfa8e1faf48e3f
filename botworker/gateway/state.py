"""discord.py's connection state, taking INTERACTION_CREATE raw.

discord.py builds an ``Interaction`` object from every INTERACTION_CREATE and hands it to its own
command tree. Guildhall routes interactions itself, from exactly the payload the HTTP endpoint
gets, so its connection state overrides the event's parser: the raw payload goes to the client's
``handle_raw_interaction`` and discord.py builds nothing from it. Everything else (guilds,
channels, roles, messages) is parsed by discord.py as usual; the events the Discord directory
follows (guilds, channels, roles, members) are also handed, raw, to the client's
``directory_handler`` first (see :mod:`botworker.directory`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from discord.state import AutoShardedConnectionState, ConnectionState

from botworker.directory import GATEWAY_EVENTS

DIRECTORY_EVENTS = tuple(GATEWAY_EVENTS)

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


DirectoryHandler = Callable[[str, dict[str, Any]], None]


def _directory_parser(event: str) -> Callable[..., None]:
    parent_name = f"parse_{event.lower()}"

    def parse(self: DirectoryEvents, data: dict[str, Any]) -> None:
        self.directory_handler(event, data)
        getattr(super(DirectoryEvents, self), parent_name)(data)

    parse.__name__ = parent_name
    return parse


class DirectoryEvents:
    """Mixin for a ``ConnectionState``: the directory's events go to ``directory_handler`` (which
    must only queue them: it runs in the event loop) before discord.py parses them."""

    directory_handler: DirectoryHandler

    def __init__(self, *args: Any, directory_handler: DirectoryHandler, **kwargs: Any) -> None:
        self.directory_handler = directory_handler
        super().__init__(*args, **kwargs)


for _event in DIRECTORY_EVENTS:
    setattr(DirectoryEvents, f"parse_{_event.lower()}", _directory_parser(_event))


class GuildhallConnectionState(RawInteractions, DirectoryEvents, ConnectionState):
    """The plain client's connection state, with raw interactions and the directory's events."""


class ShardedGuildhallConnectionState(RawInteractions, DirectoryEvents, AutoShardedConnectionState):
    """The sharded client's connection state, with raw interactions and the directory's events."""
