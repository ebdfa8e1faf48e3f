"""The outbox of Discord actions: how code asks for a Discord side effect.

A receiver in ``botworker`` calls :func:`enqueue` inside the transaction of the state change the
action reflects. The row is committed with that change or not at all; a deliverer
(:mod:`botworker.delivery`) performs it afterwards with retries, records the result and calls the
row's completion hook in the transaction that marks it done. ``dedupe_key`` is unique: enqueueing
the same key again returns the existing row, so a receiver that runs twice sends nothing twice.

Payload shapes (ids are Discord snowflakes, given as int or digit strings and stored as strings;
keys not listed are refused):

``send_message``
    ``channel_id``; at least one of ``content`` (str), ``embeds`` (list of embed objects),
    ``components`` (list of component objects); optional ``mention_roles`` and
    ``mention_users`` (lists of ids). Mentions are parsed for the listed roles and users only,
    never ``@everyone``/``@here``. Sent with a nonce derived from the dedupe key and
    ``enforce_nonce``, so a retried send does not post twice. Result:
    ``{"message_id", "channel_id"}``.
``edit_message``
    The target is ``channel_id`` + ``message_id``, or ``message_from``: the dedupe key of an
    earlier ``send_message``/``send_dm`` whose result holds the message (resolved at delivery;
    ``channel_id`` is then optional). At least one of ``content``, ``embeds``, ``components``
    (an empty value clears it); optional ``mention_roles``/``mention_users``. Result:
    ``{"message_id", "channel_id"}``.
``delete_message``
    Target as for ``edit_message``; optional ``reason`` (audit log). A message or channel that
    is already gone (404 Unknown Message / Unknown Channel) counts as done. Result:
    ``{"message_id", "channel_id", "already_gone"}``.
``send_dm``
    ``user_id``; body as for ``send_message``. Opens (or reuses) the DM channel, then sends with
    the nonce. A user who does not accept DMs (403 code 50007) makes the row dead with that
    reason. Result: ``{"message_id", "channel_id"}`` (the DM channel).
``add_role`` / ``remove_role``
    ``guild_id``, ``user_id``, ``role_id``; optional ``reason`` (audit log). Removing a role from
    someone who left the guild (404 Unknown Member) counts as done. Result:
    ``{"guild_id", "user_id", "role_id"}`` (plus ``"member_gone": true`` in that case).
``create_channel``
    ``guild_id``, ``name`` (1-100 characters); optional ``parent_id`` (category), ``topic``,
    ``permission_overwrites`` (list of ``{"id", "type": 0 role | 1 member, "allow", "deny"}``,
    permission bit sets as digit strings), ``reason``. Creates a text channel. Discord has no
    nonce here, so when an earlier attempt may have succeeded unseen (a retry), an existing
    channel with the same name and parent is adopted instead of creating a second one. Result:
    ``{"channel_id", "adopted"}``.
``set_presence``
    ``status`` (online, idle, dnd, invisible); optional ``activity_type`` (playing, streaming,
    listening, watching, competing, custom) with ``activity_text``. A gateway operation: only a
    deliverer given a ``presence_setter`` (the bot process) performs it. Result: the payload.
``purge_channel``
    ``channel_id``, ``older_than_days`` (whole number >= 1); optional ``reason``. Deletes the
    channel's messages older than that, keeping pinned ones: bulk delete in chunks of 2-100 for
    messages younger than 14 days, one by one for older ones. Result:
    ``{"channel_id", "deleted", "bulk", "single", "kept_pinned"}``.

Completion hooks: ``@completion_hook("name")`` registers ``fn(action, result)``; a row enqueued
with ``hook="name"`` has it called inside the transaction that marks the row done (the hook sees
``action.status == "done"`` and ``action.result``). If the hook raises, that transaction keeps
the row dead with the result and the error; :func:`retry_now` then runs only the hook again,
since the Discord side effect already happened.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models.functions import Now

from botworker.models import BotAction
from config.exceptions import ApplicationError

__all__ = [
    "retry_guild_action",
    "ACTIVITY_TYPES",
    "FINISHED_STATUSES",
    "NOTIFY_CHANNEL",
    "PRESENCE_STATUSES",
    "CompletionHook",
    "completion_hook",
    "derive_nonce",
    "enqueue",
    "get_completion_hook",
    "notify_deliverers",
    "retry_now",
    "validate_payload",
]

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "guildhall_outbox"
# Discord accepts a message nonce of at most 25 characters.
NONCE_LENGTH = 25
MAX_KEY_LENGTH = 200
MAX_CHANNEL_NAME = 100
PRESENCE_STATUSES = ("online", "idle", "dnd", "invisible")
ACTIVITY_TYPES = ("playing", "streaming", "listening", "watching", "competing", "custom")
# A row in one of these states no longer holds back its ordering-key successors or the rows
# that name it in `message_from`.
FINISHED_STATUSES = (BotAction.Status.DONE, BotAction.Status.DEAD)

CompletionHook = Callable[[BotAction, dict], None]
_hooks: dict[str, CompletionHook] = {}


# ---------------------------------------------------------------------------- completion hooks


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


# ---------------------------------------------------------------------------- nonce


def derive_nonce(dedupe_key: str) -> str:
    """The message nonce for a dedupe key: deterministic, 25 hex characters (100 bits of SHA-256).

    Every attempt of the same row sends the same nonce, so with ``enforce_nonce`` Discord answers
    a repeated send with the message it already created instead of posting a second one."""
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:NONCE_LENGTH]


# ---------------------------------------------------------------------------- payload validation


def _fail(kind: str, message: str) -> ValueError:
    return ValueError(f"{kind} payload: {message}")


def _check_keys(kind: str, payload: dict, allowed: set[str]) -> None:
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise _fail(kind, f"unknown keys {unknown} (allowed: {sorted(allowed)})")


def _snowflake(kind: str, field: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _fail(kind, f"{field} must be a Discord id (int or digit string), got {value!r}")
    text = str(value)
    if not text.isdigit() or int(text) <= 0:
        raise _fail(kind, f"{field} must be a Discord id (int or digit string), got {value!r}")
    return text


def _required_snowflake(kind: str, payload: dict, field: str) -> str:
    if payload.get(field) is None:
        raise _fail(kind, f"{field} is required")
    return _snowflake(kind, field, payload[field])


def _snowflake_list(kind: str, payload: dict, field: str) -> list[str]:
    values = payload[field]
    if not isinstance(values, list | tuple):
        raise _fail(kind, f"{field} must be a list of Discord ids")
    return [_snowflake(kind, f"{field}[{i}]", v) for i, v in enumerate(values)]


def _string(kind: str, payload: dict, field: str) -> str:
    value = payload[field]
    if not isinstance(value, str):
        raise _fail(kind, f"{field} must be a string, got {type(value).__name__}")
    return value


def _object_list(kind: str, payload: dict, field: str) -> list[dict]:
    value = payload[field]
    if not isinstance(value, list | tuple) or not all(isinstance(item, dict) for item in value):
        raise _fail(kind, f"{field} must be a list of objects")
    return [dict(item) for item in value]


_BODY_KEYS = {"content", "embeds", "components", "mention_roles", "mention_users"}
_TARGET_KEYS = {"channel_id", "message_id", "message_from"}


def _message_body(kind: str, payload: dict, *, for_edit: bool) -> dict:
    body: dict[str, Any] = {}
    if "content" in payload:
        body["content"] = _string(kind, payload, "content")
    for field in ("embeds", "components"):
        if field in payload:
            body[field] = _object_list(kind, payload, field)
    for field in ("mention_roles", "mention_users"):
        if field in payload:
            body[field] = _snowflake_list(kind, payload, field)
    if for_edit:
        if not {"content", "embeds", "components"} & set(body):
            raise _fail(kind, "give at least one of content, embeds, components")
    elif not (body.get("content", "").strip() or body.get("embeds") or body.get("components")):
        raise _fail(kind, "a message needs non-empty content, embeds or components")
    return body


def _message_target(kind: str, payload: dict) -> dict:
    has_id, has_from = payload.get("message_id") is not None, payload.get("message_from") is not None
    if has_id == has_from:
        raise _fail(kind, "give exactly one of message_id and message_from")
    target: dict[str, Any] = {}
    if has_id:
        target["channel_id"] = _required_snowflake(kind, payload, "channel_id")
        target["message_id"] = _snowflake(kind, "message_id", payload["message_id"])
    else:
        source = payload["message_from"]
        if not isinstance(source, str) or not source or len(source) > MAX_KEY_LENGTH:
            raise _fail(kind, "message_from must be the dedupe key of an earlier send_message or send_dm")
        target["message_from"] = source
        if payload.get("channel_id") is not None:
            target["channel_id"] = _snowflake(kind, "channel_id", payload["channel_id"])
    return target


def _optional_reason(kind: str, payload: dict, out: dict) -> None:
    if payload.get("reason") is not None:
        out["reason"] = _string(kind, payload, "reason")


def _validate_send_message(kind: str, payload: dict) -> dict:
    _check_keys(kind, payload, {"channel_id"} | _BODY_KEYS)
    return {
        "channel_id": _required_snowflake(kind, payload, "channel_id"),
        **_message_body(kind, payload, for_edit=False),
    }


def _validate_edit_message(kind: str, payload: dict) -> dict:
    _check_keys(kind, payload, _TARGET_KEYS | _BODY_KEYS)
    return {**_message_target(kind, payload), **_message_body(kind, payload, for_edit=True)}


def _validate_delete_message(kind: str, payload: dict) -> dict:
    _check_keys(kind, payload, _TARGET_KEYS | {"reason"})
    out = _message_target(kind, payload)
    _optional_reason(kind, payload, out)
    return out


def _validate_send_dm(kind: str, payload: dict) -> dict:
    _check_keys(kind, payload, {"user_id"} | _BODY_KEYS)
    return {"user_id": _required_snowflake(kind, payload, "user_id"), **_message_body(kind, payload, for_edit=False)}


def _validate_role(kind: str, payload: dict) -> dict:
    _check_keys(kind, payload, {"guild_id", "user_id", "role_id", "reason"})
    out = {field: _required_snowflake(kind, payload, field) for field in ("guild_id", "user_id", "role_id")}
    _optional_reason(kind, payload, out)
    return out


def _permission_bits(kind: str, field: str, value: Any) -> str:
    if value is None:
        return "0"
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise _fail(kind, f"{field} must be a permission bit set as a digit string, got {value!r}")
    return str(int(value))


def _validate_create_channel(kind: str, payload: dict) -> dict:
    _check_keys(kind, payload, {"guild_id", "name", "parent_id", "topic", "permission_overwrites", "reason"})
    out: dict[str, Any] = {"guild_id": _required_snowflake(kind, payload, "guild_id")}
    if not isinstance(payload.get("name"), str) or not 1 <= len(payload["name"].strip()) <= MAX_CHANNEL_NAME:
        raise _fail(kind, f"name must be a string of 1 to {MAX_CHANNEL_NAME} characters")
    out["name"] = payload["name"].strip()
    if payload.get("parent_id") is not None:
        out["parent_id"] = _snowflake(kind, "parent_id", payload["parent_id"])
    if payload.get("topic") is not None:
        out["topic"] = _string(kind, payload, "topic")
    if payload.get("permission_overwrites") is not None:
        overwrites = []
        for index, raw in enumerate(_object_list(kind, payload, "permission_overwrites")):
            field = f"permission_overwrites[{index}]"
            if set(raw) - {"id", "type", "allow", "deny"}:
                raise _fail(kind, f"{field} has unknown keys {sorted(set(raw) - {'id', 'type', 'allow', 'deny'})}")
            if raw.get("type") not in (0, 1):
                raise _fail(kind, f"{field}.type must be 0 (role) or 1 (member)")
            overwrites.append(
                {
                    "id": _snowflake(kind, f"{field}.id", raw.get("id")),
                    "type": raw["type"],
                    "allow": _permission_bits(kind, f"{field}.allow", raw.get("allow")),
                    "deny": _permission_bits(kind, f"{field}.deny", raw.get("deny")),
                }
            )
        out["permission_overwrites"] = overwrites
    _optional_reason(kind, payload, out)
    return out


def _validate_set_presence(kind: str, payload: dict) -> dict:
    _check_keys(kind, payload, {"status", "activity_type", "activity_text"})
    if payload.get("status") not in PRESENCE_STATUSES:
        raise _fail(kind, f"status must be one of {list(PRESENCE_STATUSES)}")
    out: dict[str, Any] = {"status": payload["status"]}
    activity_type, activity_text = payload.get("activity_type"), payload.get("activity_text")
    if activity_type is not None or activity_text is not None:
        if activity_type not in ACTIVITY_TYPES:
            raise _fail(kind, f"activity_type must be one of {list(ACTIVITY_TYPES)}")
        if not isinstance(activity_text, str) or not activity_text.strip():
            raise _fail(kind, "activity_text is required with activity_type")
        out.update(activity_type=activity_type, activity_text=activity_text)
    return out


def _validate_purge_channel(kind: str, payload: dict) -> dict:
    _check_keys(kind, payload, {"channel_id", "older_than_days", "reason"})
    days = payload.get("older_than_days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise _fail(kind, f"older_than_days must be a whole number of at least 1, got {days!r}")
    out = {"channel_id": _required_snowflake(kind, payload, "channel_id"), "older_than_days": days}
    _optional_reason(kind, payload, out)
    return out


_VALIDATORS: dict[str, Callable[[str, dict], dict]] = {
    BotAction.Kind.SEND_MESSAGE: _validate_send_message,
    BotAction.Kind.EDIT_MESSAGE: _validate_edit_message,
    BotAction.Kind.DELETE_MESSAGE: _validate_delete_message,
    BotAction.Kind.SEND_DM: _validate_send_dm,
    BotAction.Kind.ADD_ROLE: _validate_role,
    BotAction.Kind.REMOVE_ROLE: _validate_role,
    BotAction.Kind.CREATE_CHANNEL: _validate_create_channel,
    BotAction.Kind.SET_PRESENCE: _validate_set_presence,
    BotAction.Kind.PURGE_CHANNEL: _validate_purge_channel,
}


def validate_payload(kind: str, payload: dict) -> dict:
    """Check ``payload`` against the shape of ``kind`` and return a normalised copy (ids as strings).

    A wrong payload is a programming error in the caller: ValueError saying which field and why."""
    if kind not in _VALIDATORS:
        raise ValueError(f"unknown outbox action kind {kind!r} (known: {sorted(_VALIDATORS)})")
    if not isinstance(payload, dict):
        raise _fail(kind, f"must be a dict, got {type(payload).__name__}")
    return _VALIDATORS[kind](str(kind), payload)


# ---------------------------------------------------------------------------- writes


def notify_deliverers() -> None:
    """Wake listening deliverers when the current transaction commits (PostgreSQL; no-op elsewhere).

    NOTIFY is transactional: it is delivered at commit, never for a rolled-back transaction, and
    repeated identical notifications in one transaction are folded into one."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [NOTIFY_CHANNEL])


def enqueue(
    *,
    kind: str,
    payload: dict,
    dedupe_key: str,
    guild_id: int | None = None,
    ordering_key: str = "",
    hook: str = "",
    hook_args: dict | None = None,
) -> BotAction:
    """Add a Discord action to the outbox, in the caller's transaction; return its row.

    Guarantees: the row commits or rolls back with the caller's transaction; a second call with
    the same ``dedupe_key`` (even concurrently, from another transaction) creates nothing and
    returns the existing row unchanged; deliverers are woken at commit. Rows sharing a non-empty
    ``ordering_key`` are performed one after another in id order. ``guild_id`` defaults to the
    payload's ``guild_id``. Raises ValueError for an invalid payload, key or unknown hook."""
    normalized = validate_payload(kind, payload)
    if not isinstance(dedupe_key, str) or not dedupe_key or len(dedupe_key) > MAX_KEY_LENGTH:
        raise ValueError(f"dedupe_key must be a non-empty string of at most {MAX_KEY_LENGTH} characters")
    if len(ordering_key) > MAX_KEY_LENGTH:
        raise ValueError(f"ordering_key must be at most {MAX_KEY_LENGTH} characters")
    if hook:
        try:
            get_completion_hook(hook)
        except LookupError as exc:
            raise ValueError(str(exc)) from None
    if hook_args is not None and not isinstance(hook_args, dict):
        raise ValueError("hook_args must be a dict")
    if guild_id is None and "guild_id" in normalized:
        guild_id = int(normalized["guild_id"])

    # savepoint=False: joins the caller's transaction (or opens one when called in autocommit)
    # without a savepoint of its own; get_or_create takes the savepoint it needs around the
    # INSERT, so a concurrent insert of the same key ends in IntegrityError, then a get.
    with transaction.atomic(savepoint=False):
        action, created = BotAction.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={
                "kind": kind,
                "payload": normalized,
                "guild_id": guild_id,
                "ordering_key": ordering_key,
                "hook": hook,
                "hook_args": hook_args or {},
            },
        )
        if created:
            notify_deliverers()
    if not created and action.kind != kind:
        logger.warning(
            "outbox key %r is already used by a %s action (#%s); the %s was not enqueued",
            dedupe_key,
            action.kind,
            action.pk,
            kind,
        )
    return action


def retry_now(action_ids: Iterable[int]) -> int:
    """Put the given dead or retry rows back to pending, due now, with a fresh attempt budget.

    Rows in any other status are left alone. ``last_error`` is kept until the next outcome; a row
    whose completion hook failed keeps its result, so only the hook runs again. Returns the
    number of rows re-queued; deliverers are woken at commit."""
    ids = list(action_ids)
    with transaction.atomic():
        count = BotAction.objects.filter(pk__in=ids, status__in=[BotAction.Status.DEAD, BotAction.Status.RETRY]).update(
            status=BotAction.Status.PENDING,
            attempts=0,
            next_attempt_at=Now(),
            lease_expires_at=None,
            claimed_by="",
            completed_at=None,
            updated_at=Now(),
        )
        if count:
            notify_deliverers()
    return count


ACTION_NOT_IN_GUILD = "That action does not exist or does not belong to this server."
ACTION_NOT_DEAD = "This action is not dead any more (it is {status}); nothing to retry."


def retry_guild_action(*, action_id: int, guild_id: int) -> BotAction:
    """Retry one dead or retrying action of `guild_id` (the Retry button of a dead-action notice).
    Refuses an action of another guild, a missing one, and one that is not dead or retrying."""
    with transaction.atomic():
        action = BotAction.objects.select_for_update().filter(pk=action_id, guild_id=guild_id).first()
        if action is None:
            raise ApplicationError(ACTION_NOT_IN_GUILD)
        if not retry_now([action.pk]):
            raise ApplicationError(ACTION_NOT_DEAD.format(status=action.get_status_display()))
        action.refresh_from_db()
        return action
