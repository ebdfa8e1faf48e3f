"""The outbox of Discord actions: every Discord side effect is a row, written in the transaction of
the state change it reflects and delivered afterwards, once, with retries.

``payloads`` holds the typed schema of each kind, ``queue`` the writes (:func:`enqueue`,
:func:`retry_now`), ``hooks`` the completion hooks that hand results back to the owning app, and
the deliverer is split into ``claims`` (claiming rows under a lease and recording outcomes),
``performers`` (one per kind, through discord.py's ``HTTPClient``), ``failures`` (retry or dead),
``listener`` (LISTEN/NOTIFY) and ``deliverer`` (the loop that ties them together).
"""

from botworker.outbox.deliverer import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CONCURRENCY,
    RATELIMIT_WAIT_SECONDS,
    OutboxDeliverer,
)
from botworker.outbox.failures import PermanentFailure, TransientFailure, backoff_seconds, describe_error
from botworker.outbox.hooks import CompletionHook, completion_hook, get_completion_hook
from botworker.outbox.payloads import (
    ACTIVITY_TYPES,
    PRESENCE_STATUSES,
    AddRole,
    CreateChannel,
    DeleteChannel,
    DeleteMessage,
    EditChannel,
    EditMessage,
    OutboxPayload,
    PurgeChannel,
    RemoveRole,
    SendDM,
    SendMessage,
    SetPresence,
    payload_from_json,
    validate_payload,
)
from botworker.outbox.performers import PresenceSetter
from botworker.outbox.queue import (
    ACTION_NOT_DEAD,
    ACTION_NOT_IN_GUILD,
    FINISHED_STATUSES,
    NOTIFY_CHANNEL,
    OutboxFile,
    derive_nonce,
    enqueue,
    enqueue_many,
    notify_deliverers,
    retry_guild_action,
    retry_now,
)

__all__ = [
    "ACTION_NOT_DEAD",
    "ACTION_NOT_IN_GUILD",
    "ACTIVITY_TYPES",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CONCURRENCY",
    "FINISHED_STATUSES",
    "NOTIFY_CHANNEL",
    "PRESENCE_STATUSES",
    "RATELIMIT_WAIT_SECONDS",
    "AddRole",
    "CompletionHook",
    "CreateChannel",
    "DeleteChannel",
    "DeleteMessage",
    "EditChannel",
    "EditMessage",
    "OutboxDeliverer",
    "OutboxFile",
    "OutboxPayload",
    "PermanentFailure",
    "PresenceSetter",
    "PurgeChannel",
    "RemoveRole",
    "SendDM",
    "SendMessage",
    "SetPresence",
    "TransientFailure",
    "backoff_seconds",
    "completion_hook",
    "derive_nonce",
    "describe_error",
    "enqueue",
    "enqueue_many",
    "get_completion_hook",
    "notify_deliverers",
    "payload_from_json",
    "retry_guild_action",
    "retry_now",
    "validate_payload",
]
