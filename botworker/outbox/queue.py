"""Asking for a Discord side effect: :func:`enqueue` writes an outbox row in the caller's transaction.

The row is committed with the state change it reflects or not at all; a deliverer
(:mod:`botworker.outbox.deliverer`) performs it afterwards with retries, records the result and
calls the row's completion hook (:mod:`botworker.outbox.hooks`) in the transaction that marks it
done. ``dedupe_key`` is unique: enqueueing the same key again returns the existing row, so a
receiver that runs twice sends nothing twice. Payloads are the typed schemas of
:mod:`botworker.outbox.payloads`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models.functions import Now

from botworker.interactions import limits
from botworker.models import BotAction, BotActionFile
from botworker.outbox.hooks import get_completion_hook
from botworker.outbox.payloads import MAX_KEY_LENGTH, OutboxPayload, payload_from_json
from config.bulk import bulk_insert
from config.exceptions import ApplicationError

logger = logging.getLogger("botworker.outbox")

NOTIFY_CHANNEL = "guildhall_outbox"
# Discord accepts a message nonce of at most 25 characters.
NONCE_LENGTH = 25
# A row in one of these states no longer holds back its ordering-key successors or the rows
# that name it in `message_from`.
FINISHED_STATUSES = (BotAction.Status.DONE, BotAction.Status.DEAD)


@dataclass(frozen=True)
class OutboxFile:
    """A file for an outbox message to upload: stored with the row by :func:`enqueue`."""

    filename: str
    content: bytes
    description: str = ""


def _check_files(typed: OutboxPayload, files: Sequence[OutboxFile]) -> None:
    named = getattr(typed, "files", None)
    if not files and named is None:
        return
    if not hasattr(typed, "files"):
        raise ValueError(f"a {typed.kind} action cannot carry files")
    given = [file.filename for file in files]
    if named != given:
        raise ValueError(f"the payload names the files {named}, but the files given are {given}")
    if any(not isinstance(file.content, bytes | bytearray) for file in files):
        raise ValueError("a file's content must be bytes")
    if any(len(file.description) > limits.ATTACHMENT_DESCRIPTION for file in files):
        raise ValueError(f"a file's description has at most {limits.ATTACHMENT_DESCRIPTION} characters")
    total = sum(len(file.content) for file in files)
    if total > limits.UPLOAD_BYTES:
        raise ValueError(f"the files hold {total} bytes; Discord takes at most {limits.UPLOAD_BYTES} per message")


def derive_nonce(dedupe_key: str) -> str:
    """The message nonce for a dedupe key: deterministic, 25 hex characters (100 bits of SHA-256).

    Every attempt of the same row sends the same nonce, so with ``enforce_nonce`` Discord answers
    a repeated send with the message it already created instead of posting a second one."""
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:NONCE_LENGTH]


def notify_deliverers() -> None:
    """Wake listening deliverers when the current transaction commits (PostgreSQL; no-op elsewhere).

    NOTIFY is transactional: it is delivered at commit, never for a rolled-back transaction, and
    repeated identical notifications in one transaction are folded into one."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [NOTIFY_CHANNEL])


def enqueue(
    payload: OutboxPayload | dict[str, Any],
    *,
    kind: str | None = None,
    dedupe_key: str,
    guild_id: int | None = None,
    ordering_key: str = "",
    hook: str = "",
    hook_args: dict | None = None,
    files: Sequence[OutboxFile] = (),
) -> BotAction:
    """Add a Discord action to the outbox, in the caller's transaction; return its row.

    ``payload`` is a typed payload (``enqueue(SendMessage(channel_id=..., content=...),
    dedupe_key=...)``), or a dict checked against the schema of ``kind`` (``enqueue(kind="send_dm",
    payload={...}, dedupe_key=...)``).

    Guarantees: the row commits or rolls back with the caller's transaction; a second call with
    the same ``dedupe_key`` (even concurrently, from another transaction) creates nothing and
    returns the existing row unchanged; deliverers are woken at commit. Rows sharing a non-empty
    ``ordering_key`` are performed one after another in id order. ``guild_id`` defaults to the
    payload's ``guild_id``. ``files`` (send_message, send_dm) are stored with the row, in the same
    transaction, and must be the ones the payload's ``files`` names, in that order; when the
    payload names none, their names are filled in. Raises ValueError for an invalid payload, key,
    unknown hook, or files that do not match or exceed Discord's limits."""
    if isinstance(payload, OutboxPayload):
        if kind is not None and kind != payload.kind:
            raise ValueError(f"kind {kind!r} does not match the {type(payload).__name__} payload ({payload.kind!r})")
        typed = payload
    else:
        if kind is None:
            raise ValueError("give a typed outbox payload, or kind= with a dict payload")
        typed = payload_from_json(kind, payload)
    if files and getattr(typed, "files", ()) is None:
        typed = payload_from_json(typed.kind, {**typed.as_json(), "files": [file.filename for file in files]})
    _check_files(typed, files)
    kind = typed.kind
    normalized = typed.as_json()
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
            BotActionFile.objects.bulk_create(
                BotActionFile(
                    action=action,
                    position=position,
                    filename=file.filename,
                    description=file.description,
                    content=bytes(file.content),
                    size=len(file.content),
                )
                for position, file in enumerate(files)
            )
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


def enqueue_many(items: Iterable[dict[str, Any]]) -> int:
    """Add many actions at once, in the caller's transaction: one INSERT for all of them.

    Each item holds :func:`enqueue`'s arguments (``payload`` typed, plus ``dedupe_key`` and
    optionally ``guild_id``, ``ordering_key``, ``hook``, ``hook_args``). A key that exists already
    is skipped (``ON CONFLICT DO NOTHING``), as :func:`enqueue` would return the existing row.
    Rows are inserted in the order given, which is the order rows of one ordering key are
    performed in. Returns how many items were given; deliverers are woken at commit."""
    rows = []
    for item in items:
        payload = item["payload"]
        if not isinstance(payload, OutboxPayload):
            raise ValueError("enqueue_many takes typed outbox payloads")
        if getattr(payload, "files", None) is not None:
            raise ValueError("enqueue_many cannot store files: enqueue a message with files on its own")
        normalized = payload.as_json()
        dedupe_key = item["dedupe_key"]
        if not isinstance(dedupe_key, str) or not dedupe_key or len(dedupe_key) > MAX_KEY_LENGTH:
            raise ValueError(f"dedupe_key must be a non-empty string of at most {MAX_KEY_LENGTH} characters")
        hook = item.get("hook", "")
        if hook:
            get_completion_hook(hook)
        guild_id = item.get("guild_id")
        if guild_id is None and "guild_id" in normalized:
            guild_id = int(normalized["guild_id"])
        rows.append(
            BotAction(
                kind=payload.kind,
                payload=normalized,
                dedupe_key=dedupe_key,
                guild_id=guild_id,
                ordering_key=item.get("ordering_key", ""),
                hook=hook,
                hook_args=item.get("hook_args") or {},
            )
        )
    if rows:
        with transaction.atomic(savepoint=False):
            bulk_insert(BotAction, rows, ignore_conflicts=True)
            notify_deliverers()
    return len(rows)


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
