"""The gateway (websocket) half of the Discord emulator: gateway v10, JSON encoding, as discord.py 2.7.1 speaks it.

:class:`GatewayEmulator` is owned by :class:`~botworker.emulator.emulator.DiscordEmulator`: it is
served by the same aiohttp application on ``ws://127.0.0.1:<port>/gateway`` and reads the same
users, guilds, roles, members, channels and messages as the REST routes, so what a bot sees over
the gateway agrees with what it fetches over REST. Point discord.py at both halves with::

    discord.http.Route.BASE = emu.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)

(a plain ``discord.Client`` connects to ``DEFAULT_GATEWAY``; ``AutoShardedClient`` asks
``GET /gateway/bot``, which answers with the same URL and ``DiscordEmulator(shards=N)`` shards).

Modules:

* :mod:`~.protocol`: opcodes, close codes, intents, which events each intent gates.
* :mod:`~.connection`: one websocket, its transport compression and its ordered writer.
* :mod:`~.sessions`: session records (sequence numbers, replay buffer, resumability) and the
  table of everything the gateway tracks.
* :mod:`~.handler`: a connection's life: HELLO, IDENTIFY, RESUME, heartbeats, client ops.
* :mod:`~.payloads`: READY, GUILD_CREATE and GUILD_MEMBERS_CHUNK built from the state.
* :mod:`~.routing`: which sessions (shards, intents) a dispatch goes to and what each sees.
* :mod:`~.interactions`: INTERACTION_CREATE payloads filled in from the state.
* :mod:`~.faults`: drops, RECONNECT, INVALID_SESSION, close codes, heartbeat requests.
* :mod:`~.records`: the snapshots tests read (sessions, presences, client payloads, closes).
* :mod:`~.server`: :class:`GatewayEmulator`, what the emulator calls from a test's thread.

Not emulated: ETF encoding, payload compression (IDENTIFY's ``compress`` flag is ignored, as the
transport compression makes Discord ignore it), voice (op 4 is only recorded), other users'
presences, closing clients that stop heartbeating, session start limits and rate limits on
client ops. (discord.py 2.7.1's ``Client.close()`` closes with 4000: its reading task answers the
close first, so a closed client's session stays resumable, here as on Discord.)
"""

from botworker.emulator.gateway.protocol import (
    DEFAULT_HEARTBEAT_ACK_DELAY_MS,
    DEFAULT_HEARTBEAT_INTERVAL_MS,
    GATEWAY_PATH,
    CloseCode,
    Intent,
    Op,
)
from botworker.emulator.gateway.records import GatewayClose, GatewayEvent, GatewaySession, PresenceUpdate
from botworker.emulator.gateway.server import GatewayEmulator

__all__ = [
    "DEFAULT_HEARTBEAT_ACK_DELAY_MS",
    "DEFAULT_HEARTBEAT_INTERVAL_MS",
    "GATEWAY_PATH",
    "CloseCode",
    "GatewayClose",
    "GatewayEmulator",
    "GatewayEvent",
    "GatewaySession",
    "Intent",
    "Op",
    "PresenceUpdate",
]
