"""One log line per event, carrying the ids that say what the event was about.

Code that handles a guild, a user, an interaction or a Celery task binds those ids with
`log_context(...)`; every line logged inside the block ends with `guild=… user=… …`, whichever
logger wrote it.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType

CONTEXT_KEYS = ("guild", "user", "interaction", "task", "action")

_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "guildhall_log_context", default=MappingProxyType({})
)


@contextmanager
def log_context(**ids: object) -> Iterator[None]:
    """Bind ids (None values are skipped) to every log line written inside the block."""
    merged = {**_context.get(), **{key: str(value) for key, value in ids.items() if value is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def bind(**ids: object) -> contextvars.Token:
    """Bind ids until `unbind(token)`; for callers that cannot use a with-block (signal pairs)."""
    return _context.set({**_context.get(), **{key: str(value) for key, value in ids.items() if value is not None}})


def unbind(token: contextvars.Token) -> None:
    _context.reset(token)


def current_context() -> dict[str, str]:
    return dict(_context.get())


class ContextFilter(logging.Filter):
    """Adds `record.context`: ' key=value ...' for the bound ids, known keys first."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = _context.get()
        ordered = [key for key in CONTEXT_KEYS if key in ids] + sorted(k for k in ids if k not in CONTEXT_KEYS)
        record.context = "".join(f" {key}={ids[key]}" for key in ordered)
        return True
