"""discord.py's connection state, taking INTERACTION_CREATE raw.

discord.py builds an ``Interaction`` object from every INTERACTION_CREATE and hands it to its own
command tree. Guildhall routes interactions itself, from exactly the payload the HTTP endpoint
gets, so its connection state overrides the event's parser: the raw payload goes to the client's
``handle_raw_interaction`` and discord.py builds nothing from it. Everything else (guilds,
channels, roles, messages) is parsed by discord.py as usual; the events the Discord directory
follows (guilds, channels, roles, members) are also handed, raw, to the client's
``directory_handler`` first (see :mod:`botworker.directory`), and message events to the client's
``handle_raw_message`` (the announcement watcher, ticket transcripts).
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


RawMessageHandler = Callable[[str, dict[str, Any]], None]


class RawMessages:
    """Mixin for a ``ConnectionState``: each message event's raw payload also goes to
    ``raw_message_handler`` (the announcement watcher) before discord.py parses it as usual, so
    ``on_message`` (the prefix commands) is unchanged. discord.py's own edit and delete events
    only carry what it had cached; the raw payload always has the ids and the new content."""

    raw_message_handler: RawMessageHandler | None

    def __init__(self, *args: Any, raw_message_handler: RawMessageHandler | None = None, **kwargs: Any) -> None:
        self.raw_message_handler = raw_message_handler
        super().__init__(*args, **kwargs)

    def _raw_message(self, event: str, data: dict[str, Any]) -> None:
        if self.raw_message_handler is not None:
            self.raw_message_handler(event, data)

    def parse_message_create(self, data: dict[str, Any]) -> None:
        self._raw_message("MESSAGE_CREATE", data)
        super().parse_message_create(data)

    def parse_message_update(self, data: dict[str, Any]) -> None:
        self._raw_message("MESSAGE_UPDATE", data)
        super().parse_message_update(data)

    def parse_message_delete(self, data: dict[str, Any]) -> None:
        self._raw_message("MESSAGE_DELETE", data)
        super().parse_message_delete(data)

    def parse_message_delete_bulk(self, data: dict[str, Any]) -> None:
        self._raw_message("MESSAGE_DELETE_BULK", data)
        super().parse_message_delete_bulk(data)


class GuildhallConnectionState(RawMessages, RawInteractions, DirectoryEvents, ConnectionState):
    """The plain client's connection state, with raw interactions, raw message events and the
    directory's events."""


class ShardedGuildhallConnectionState(RawMessages, RawInteractions, DirectoryEvents, AutoShardedConnectionState):
    """The sharded client's connection state, with raw interactions, raw message events and the
    directory's events."""
