"""An in-process emulator of Discord's REST API (v10) and gateway for tests.

See :mod:`botworker.emulator.rest` (the server and its REST routes) and
:mod:`botworker.emulator.gateway` (the websocket gateway it also serves).
"""

from botworker.emulator.gateway import (
    CloseCode,
    GatewayClose,
    GatewayEvent,
    GatewaySession,
    Intent,
    Op,
    PresenceUpdate,
)
from botworker.emulator.rest import DiscordEmulator, RecordedRequest, snowflake_time

__all__ = [
    "CloseCode",
    "DiscordEmulator",
    "GatewayClose",
    "GatewayEvent",
    "GatewaySession",
    "Intent",
    "Op",
    "PresenceUpdate",
    "RecordedRequest",
    "snowflake_time",
]
