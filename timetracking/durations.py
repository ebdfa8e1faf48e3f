"""Reading and writing durations the way people type them.

Accepted (case and spaces forgiven): ``1h 20m``, ``1h20m``, ``80m``, ``1:20`` (hours:minutes),
``4800s``, and a plain number, which means minutes (``80``). Units may be spelled out (``1 hour
20 minutes``, ``90 mins``) and hours, minutes or a plain number may have a decimal part
(``1.5h``). Anything else, a negative value or more than 24 hours is refused with a message that
shows the accepted forms.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from config.exceptions import ApplicationError

MAX_DURATION_SECONDS = 24 * 3600

ACCEPTED_FORMS = (
    "Write it as `1h 20m`, `1h20m`, `80m`, `1:20` (hours:minutes), `4800s`, or a plain number of minutes "
    "such as `80`; at most 24 hours."
)
DURATION_EMPTY = "Tell me a duration. " + ACCEPTED_FORMS
DURATION_UNREADABLE = "I can't read `{value}` as a duration. " + ACCEPTED_FORMS
DURATION_NEGATIVE = "A duration can't be negative. " + ACCEPTED_FORMS
DURATION_TOO_LONG = "`{value}` is more than 24 hours. " + ACCEPTED_FORMS

_UNITS = {
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
}
_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_TOKEN = re.compile(rf"({_NUMBER})\s*([a-z]+)")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_PLAIN = re.compile(_NUMBER)


def _refuse(template: str, raw: str) -> ApplicationError:
    shown = raw.strip()[:40] or raw[:40]
    return ApplicationError(
        template, params={"value": shown.replace("`", "'")}, field="duration", code="invalid_duration"
    )


def parse_duration(raw: str | None) -> int:
    """Whole seconds for a duration typed by a person; ApplicationError (field ``duration``)
    naming the accepted forms when it is not one, is negative or exceeds 24 hours."""
    text = " ".join((raw or "").lower().split())
    if not text:
        raise _refuse(DURATION_EMPTY, raw or "")
    if text.startswith(("-", "minus")):
        raise _refuse(DURATION_NEGATIVE, raw or "")
    compact = text.replace(" ", "")
    seconds: Decimal
    if ":" in compact:
        match = _CLOCK.fullmatch(compact)
        if not match or int(match.group(2)) >= 60:
            raise _refuse(DURATION_UNREADABLE, raw or "")
        seconds = Decimal(int(match.group(1)) * 3600 + int(match.group(2)) * 60)
    elif _PLAIN.fullmatch(compact):
        seconds = Decimal(compact) * 60
    else:
        seconds = Decimal(0)
        seen: set[int] = set()
        position = 0
        for match in _TOKEN.finditer(compact):
            unit = _UNITS.get(match.group(2))
            if match.start() != position or unit is None or unit in seen:
                raise _refuse(DURATION_UNREADABLE, raw or "")
            seen.add(unit)
            try:
                seconds += Decimal(match.group(1)) * unit
            except InvalidOperation:  # pragma: no cover - the pattern only admits numbers
                raise _refuse(DURATION_UNREADABLE, raw or "") from None
            position = match.end()
        if not seen or position != len(compact):
            raise _refuse(DURATION_UNREADABLE, raw or "")
    whole = int(seconds.to_integral_value())
    if whole > MAX_DURATION_SECONDS:
        raise _refuse(DURATION_TOO_LONG, raw or "")
    return whole


def format_duration(seconds: int) -> str:
    """``2h 05m``, ``45m``, ``0m``; under a minute ``40s``. Minutes are rounded down."""
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if 0 < seconds < 60:
        return f"{sign}{seconds}s"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m"


def format_duration_input(seconds: int) -> str:
    """A duration as the Adjust-time box pre-fills it: hours, minutes and seconds, each only when
    there are any (``1h 20m``, ``45m``, ``2h``, ``1h 20m 23s``; ``0m`` for nothing). It reads back
    through :func:`parse_duration` as exactly `seconds`, so submitting the box unchanged keeps the
    time."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{value}{unit}" for value, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if value]
    return " ".join(parts) or "0m"
