"""An in-process emulator of Discord's REST API (v10) for tests; see :mod:`botworker.emulator.rest`."""

from botworker.emulator.rest import DiscordEmulator, RecordedRequest, snowflake_time

__all__ = ["DiscordEmulator", "RecordedRequest", "snowflake_time"]
