"""Snowflake ids and timestamps: Discord's epoch, the time inside a snowflake, ISO 8601 formatting,
and the issuer that hands out the emulator's unique, strictly increasing ids."""

from __future__ import annotations

from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def snowflake_time(snowflake: int | str) -> datetime:
    """Return the creation time encoded in a Discord snowflake."""
    return datetime.fromtimestamp(((int(snowflake) >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def sid(value: int | str | None) -> str | None:
    """An id as Discord's JSON carries it (a string), None staying None."""
    return None if value is None else str(value)


class SnowflakeIssuer:
    """Hands out unique snowflakes; ids made for "now" also increase strictly."""

    def __init__(self) -> None:
        self._issued: set[int] = set()
        self._sequence = 0
        self._last_now_id = 0

    def new(self, at: datetime | None = None) -> str:
        """A unique snowflake whose timestamp part is ``at`` (default: now, strictly increasing)."""
        when = at or utcnow()
        millis = int(when.timestamp() * 1000) - DISCORD_EPOCH_MS
        if millis < 0:
            raise ValueError("snowflakes cannot predate the Discord epoch (2015)")
        candidate = (millis << 22) | (self._sequence & 0xFFF)
        self._sequence += 1
        if at is None:
            candidate = max(candidate, self._last_now_id + 1)
        while candidate in self._issued:
            candidate += 1
        if at is None:
            self._last_now_id = candidate
        self._issued.add(candidate)
        return str(candidate)
