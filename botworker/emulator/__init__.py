"""An in-process emulator of Discord's REST API (v10) and gateway, for tests and for running the
bot locally (``manage.py discord_emulator``).

Package layout:

* :mod:`~botworker.emulator.emulator`: :class:`DiscordEmulator`, the server's lifecycle and the
  API tests drive it with (set-up, inspection, gateway sends, fault injection).
* :mod:`~botworker.emulator.state`: the in-memory model (users, guilds, roles, members, channels,
  DMs, commands, interactions); :mod:`~botworker.emulator.message_model`: building, editing and
  deleting messages in it; :mod:`~botworker.emulator.snowflakes`: ids and timestamps;
  :mod:`~botworker.emulator.errors`: Discord's JSON errors.
* :mod:`botworker.emulator.rest`: the REST API: the router and one module of routes per
  resource (users and DMs, channels, messages and pins, guilds/roles/members, application
  commands, interactions and their webhooks).
* :mod:`botworker.emulator.gateway`: the websocket gateway: protocol vocabulary, connections and
  compression, sessions and RESUME, the connection handler, dispatch routing across shards and
  intents, payloads built from the state, and gateway faults.
* :mod:`~botworker.emulator.faults`: the REST faults ``fail_next`` queues (429s, 4xx/5xx, drops);
  the gateway's are :mod:`botworker.emulator.gateway.faults`.
* :mod:`~botworker.emulator.rate_limits`: Discord's per-route and global rate limits, their
  headers and 429s (off unless configured).
* :mod:`~botworker.emulator.control`: the HTTP control API under ``/_emulator/`` that
  ``manage.py discord_emulator`` uses to drive a running emulator from another process.

The names below are the public ones; import them from here.
"""

from botworker.emulator.emulator import DiscordEmulator
from botworker.emulator.gateway import (
    CloseCode,
    GatewayClose,
    GatewayEvent,
    GatewaySession,
    Intent,
    Op,
    PresenceUpdate,
)
from botworker.emulator.rate_limits import BucketRule, RateLimits
from botworker.emulator.rest.router import RecordedRequest
from botworker.emulator.snowflakes import snowflake_time

__all__ = [
    "BucketRule",
    "CloseCode",
    "DiscordEmulator",
    "GatewayClose",
    "GatewayEvent",
    "GatewaySession",
    "Intent",
    "Op",
    "PresenceUpdate",
    "RateLimits",
    "RecordedRequest",
    "snowflake_time",
]
