"""Completion hooks: how the app that asked for a Discord action learns its result.

``@completion_hook("name")`` registers ``fn(action, result)``; a row enqueued with ``hook="name"``
has it called inside the transaction that marks the row done (the hook sees ``action.status ==
"done"`` and ``action.result``). If the hook raises, that transaction keeps the row dead with the
result and the error; :func:`~botworker.outbox.retry_now` then runs only the hook again, since the
Discord side effect already happened.
"""

from __future__ import annotations

from collections.abc import Callable

from botworker.models import BotAction

CompletionHook = Callable[[BotAction, dict], None]
_hooks: dict[str, CompletionHook] = {}


def completion_hook(name: str) -> Callable[[CompletionHook], CompletionHook]:
    """Register ``fn(action, result)`` under ``name``, to be called when a row with that hook is done.

    The deliverer calls it inside the transaction that marks the row done, so whatever it writes
    (a posted message id on a shift, a ticket's channel id) commits together with the outcome.
    Registering a different function under a taken name raises ValueError."""
    if not name or len(name) > 100:
        raise ValueError("a completion hook name must be 1 to 100 characters long")

    def register(fn: CompletionHook) -> CompletionHook:
        existing = _hooks.get(name)
        if existing is not None and existing is not fn and _qualname(existing) != _qualname(fn):
            raise ValueError(f"completion hook {name!r} is already registered to {_qualname(existing)}")
        _hooks[name] = fn
        return fn

    return register


def _qualname(fn: Callable) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def get_completion_hook(name: str) -> CompletionHook:
    """The hook registered under ``name``; LookupError naming it when none is."""
    try:
        return _hooks[name]
    except KeyError:
        raise LookupError(f"no completion hook named {name!r} is registered") from None
