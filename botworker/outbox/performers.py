"""Performing one outbox action on Discord: one performer per kind, through discord.py's
``HTTPClient`` methods (so each request goes into the rate-limit bucket Discord counts it in).

A performer gets the row and its typed payload, returns the row's result, and raises on failure
(:mod:`botworker.outbox.failures` judges the exception). It records nothing.

Retries are safe: message sends carry a nonce derived from the dedupe key with ``enforce_nonce``,
so a retry after a crash between Discord's answer and our commit gets the first message back;
``create_channel`` adopts a channel of the same name and parent on a retry; deleting what is
already gone counts as done; role changes are idempotent on Discord's side.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import discord
from asgiref.sync import sync_to_async
from discord.http import HTTPClient, MultipartParameters, handle_message_parameters

from botworker.models import BotAction, BotActionFile
from botworker.outbox.failures import PermanentFailure, TransientFailure
from botworker.outbox.payloads import (
    AddRole,
    ChannelTarget,
    CreateChannel,
    DeleteChannel,
    DeleteMessage,
    EditChannel,
    EditMessage,
    MessageBody,
    MessageTarget,
    OutboxPayload,
    PurgeChannel,
    RemoveRole,
    SendDM,
    SendMessage,
    SetPresence,
    payload_from_json,
)
from botworker.outbox.queue import derive_nonce

# One HTTP request, discord.py's own retries and rate-limit sleeps included.
REQUEST_TIMEOUT_SECONDS = 120.0
# Discord refuses bulk deletes of messages 14 days old or more; the margin keeps clock skew and the
# time a long purge takes from turning a bulk chunk into a 400.
BULK_DELETE_MAX_AGE = timedelta(days=14) - timedelta(minutes=10)
BULK_DELETE_CHUNK = 100
HISTORY_PAGE_SIZE = 100
TEXT_CHANNEL = 0
# Discord's JSON error codes that mean "what you wanted gone is gone".
UNKNOWN_CHANNEL, UNKNOWN_MEMBER, UNKNOWN_MESSAGE = 10003, 10007, 10008

Status = BotAction.Status
PresenceSetter = Callable[[dict[str, Any]], Awaitable[None]]
P = TypeVar("P", bound=OutboxPayload)
Performer = Callable[["Context", BotAction, Any], Awaitable[dict]]


@dataclass(frozen=True)
class Context:
    """What performers work with: a logged-in ``HTTPClient``, the bot's presence setter (None
    outside the gateway process) and a lookup of a row by dedupe key (for ``message_from``)."""

    http: HTTPClient
    presence_setter: PresenceSetter | None
    find_action: Callable[[str], Awaitable[BotAction | None]]

    async def call(self, request: Awaitable[Any]) -> Any:
        async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
            return await request


PERFORMERS: dict[str, Performer] = {}


def performs(schema: type[P]) -> Callable[[Callable[[Context, BotAction, P], Awaitable[dict]]], Performer]:
    def register(fn: Callable[[Context, BotAction, P], Awaitable[dict]]) -> Performer:
        PERFORMERS[schema.kind] = fn
        return fn

    return register


async def perform(context: Context, action: BotAction) -> dict:
    """Carry out one claimed row on Discord and return its result; raises on failure."""
    performer = PERFORMERS.get(action.kind)
    if performer is None:
        raise PermanentFailure(f"unknown action kind {action.kind!r}")
    try:
        payload = payload_from_json(action.kind, action.payload)
    except ValueError as exc:
        raise PermanentFailure(f"the stored payload is not valid: {exc}") from None
    return await performer(context, action, payload)


# ---------------------------------------------------------------------------- messages


def _message_params(body: MessageBody, **extra: Any) -> MultipartParameters:
    return MultipartParameters(payload={**body.message_json(), **extra}, multipart=None, files=None)


def _stored_files(action_id: int, names: list[str]) -> list[discord.File]:
    stored = {file.filename: file for file in BotActionFile.objects.filter(action_id=action_id)}
    missing = [name for name in names if name not in stored]
    if missing:
        raise PermanentFailure(f"the files {missing} named by the payload are not stored with the action")
    return [
        discord.File(
            io.BytesIO(bytes(stored[name].content)),
            filename=name,
            description=stored[name].description or None,
        )
        for name in names
    ]


async def _upload_params(action: BotAction, body: MessageBody, names: list[str], **extra: Any) -> MultipartParameters:
    """The message as multipart: discord.py lays out ``payload_json``, ``files[n]`` and their
    ``attachments``; the message JSON itself is ours (mentions as the payload allows)."""
    files = await sync_to_async(_stored_files)(action.pk, names)
    params = handle_message_parameters(files=files)
    described = json.loads(params.multipart[0]["value"])
    params.multipart[0]["value"] = json.dumps({**body.message_json(), **extra, "attachments": described["attachments"]})
    return params


def _message_result(message: dict) -> dict:
    return {"message_id": str(message["id"]), "channel_id": str(message["channel_id"])}


async def _post(context: Context, action: BotAction, channel_id: str, body: SendMessage | SendDM) -> dict:
    # The same nonce on every attempt: Discord answers a repeated send, files and all, with the
    # message it already created. Every attempt uploads the same stored bytes.
    nonce = {"nonce": derive_nonce(action.dedupe_key), "enforce_nonce": True}
    if body.files:
        params = await _upload_params(action, body, body.files, **nonce)
    else:
        params = _message_params(body, **nonce)
    with params:
        return _message_result(await context.call(context.http.send_message(channel_id, params=params)))


def _directory_guild_of(channel_id: str) -> int | None:
    from botworker.models import DirectoryChannel

    return DirectoryChannel.objects.filter(channel_id=int(channel_id)).values_list("guild_id", flat=True).first()


async def _check_guild(context: Context, channel_id: str, guild_id: str | None) -> None:
    """Refuse a channel outside `guild_id` (when the payload names one). A channel never changes
    guild, so the directory's word is final; only a channel it has not seen costs a request."""
    if guild_id is None:
        return
    known = await sync_to_async(_directory_guild_of)(channel_id)
    if known is not None:
        actual = str(known)
    else:
        channel = await context.call(context.http.get_channel(channel_id))
        actual = str(channel.get("guild_id") or "")
    if actual != guild_id:
        raise PermanentFailure(f"channel {channel_id} is not a channel of guild {guild_id}")


@performs(SendMessage)
async def send_message(context: Context, action: BotAction, payload: SendMessage) -> dict:
    await _check_guild(context, payload.channel_id, payload.guild_id)
    return await _post(context, action, payload.channel_id, payload)


@performs(SendDM)
async def send_dm(context: Context, action: BotAction, payload: SendDM) -> dict:
    channel = await context.call(context.http.start_private_message(payload.user_id))
    return await _post(context, action, str(channel["id"]), payload)


async def _target(context: Context, payload: MessageTarget) -> tuple[str, str]:
    """The (channel id, message id) the payload names, resolving ``message_from``."""
    if payload.message_id is not None:
        return payload.channel_id, payload.message_id
    key = payload.message_from
    source = await context.find_action(key)
    if source is None:
        raise PermanentFailure(f"message_from {key!r} names no outbox action")
    if source.status == Status.DEAD:
        raise PermanentFailure(f"the action it depends on, {key!r} (#{source.pk}), is dead")
    if source.status != Status.DONE:
        # The claim holds such rows back; reaching this means the source was re-queued since.
        raise TransientFailure(f"the action it depends on, {key!r} (#{source.pk}), is not done yet")
    result = source.result or {}
    if not result.get("message_id") or not result.get("channel_id"):
        raise PermanentFailure(f"the action it depends on, {key!r} (#{source.pk}), posted no message")
    if payload.channel_id and payload.channel_id != str(result["channel_id"]):
        raise PermanentFailure(
            f"channel_id {payload.channel_id} is not the channel of {key!r}'s message ({result['channel_id']})"
        )
    return str(result["channel_id"]), str(result["message_id"])


@performs(EditMessage)
async def edit_message(context: Context, action: BotAction, payload: EditMessage) -> dict:
    channel_id, message_id = await _target(context, payload)
    message = await context.call(context.http.edit_message(channel_id, message_id, params=_message_params(payload)))
    return _message_result(message)


@performs(DeleteMessage)
async def delete_message(context: Context, action: BotAction, payload: DeleteMessage) -> dict:
    channel_id, message_id = await _target(context, payload)
    already_gone = False
    try:
        await context.call(context.http.delete_message(channel_id, message_id, reason=payload.reason))
    except discord.NotFound as exc:
        # The message (or its whole channel) is gone already: what the delete wanted.
        if exc.code not in (UNKNOWN_MESSAGE, UNKNOWN_CHANNEL):
            raise
        already_gone = True
    return {"message_id": message_id, "channel_id": channel_id, "already_gone": already_gone}


# ---------------------------------------------------------------------------- roles and channels


def _role_result(payload: AddRole | RemoveRole) -> dict:
    return {"guild_id": payload.guild_id, "user_id": payload.user_id, "role_id": payload.role_id}


@performs(AddRole)
async def add_role(context: Context, action: BotAction, payload: AddRole) -> dict:
    request = context.http.add_role(payload.guild_id, payload.user_id, payload.role_id, reason=payload.reason)
    await context.call(request)
    return _role_result(payload)


@performs(RemoveRole)
async def remove_role(context: Context, action: BotAction, payload: RemoveRole) -> dict:
    result = _role_result(payload)
    try:
        request = context.http.remove_role(payload.guild_id, payload.user_id, payload.role_id, reason=payload.reason)
        await context.call(request)
    except discord.NotFound as exc:
        # Someone who left the guild has no roles there: nothing is left to remove.
        if exc.code != UNKNOWN_MEMBER:
            raise
        result["member_gone"] = True
    return result


@performs(CreateChannel)
async def create_channel(context: Context, action: BotAction, payload: CreateChannel) -> dict:
    # An earlier attempt (a crash after Discord answered, a timeout, a manual retry of a dead
    # row) may have created the channel without our knowing: adopt it rather than make two.
    if action.attempts > 1 or action.last_error:
        channels = await context.call(context.http.get_all_guild_channels(payload.guild_id))
        wanted_names = {payload.name, "-".join(payload.name.lower().split())}
        for channel in channels:
            if (
                channel.get("type") == TEXT_CHANNEL
                and channel.get("name") in wanted_names
                and str(channel.get("parent_id") or "") == (payload.parent_id or "")
            ):
                return {"channel_id": str(channel["id"]), "adopted": True}
    channel = await context.call(
        context.http.create_channel(
            payload.guild_id,
            TEXT_CHANNEL,
            reason=payload.reason,
            name=payload.name,
            parent_id=payload.parent_id,
            topic=payload.topic,
            permission_overwrites=payload.permission_overwrites,
        )
    )
    return {"channel_id": str(channel["id"]), "adopted": False}


async def _channel(context: Context, payload: ChannelTarget) -> str:
    """The channel id the payload names, resolving ``channel_from``."""
    if payload.channel_id is not None:
        return payload.channel_id
    key = payload.channel_from
    source = await context.find_action(key)
    if source is None or source.kind != BotAction.Kind.CREATE_CHANNEL:
        raise PermanentFailure(f"channel_from {key!r} names no create_channel action")
    if source.status == Status.DEAD:
        raise PermanentFailure(f"the channel it depends on, {key!r} (#{source.pk}), was never created (dead)")
    if source.status != Status.DONE:
        raise TransientFailure(f"the channel it depends on, {key!r} (#{source.pk}), is not created yet")
    return str((source.result or {})["channel_id"])


@performs(EditChannel)
async def edit_channel(context: Context, action: BotAction, payload: EditChannel) -> dict:
    channel_id = await _channel(context, payload)
    options = {
        key: getattr(payload, key)
        for key in ("name", "topic", "parent_id", "permission_overwrites")
        if getattr(payload, key) is not None
    }
    await context.call(context.http.edit_channel(channel_id, reason=payload.reason, **options))
    return {"channel_id": channel_id}


@performs(DeleteChannel)
async def delete_channel(context: Context, action: BotAction, payload: DeleteChannel) -> dict:
    channel_id = await _channel(context, payload)
    already_gone = False
    try:
        await context.call(context.http.delete_channel(channel_id, reason=payload.reason))
    except discord.NotFound as exc:
        if exc.code != UNKNOWN_CHANNEL:
            raise
        already_gone = True
    return {"channel_id": channel_id, "already_gone": already_gone}


@performs(SetPresence)
async def set_presence(context: Context, action: BotAction, payload: SetPresence) -> dict:
    if context.presence_setter is None:
        raise TransientFailure("this deliverer cannot set the presence (no gateway connection)")
    await context.presence_setter(payload.as_json())
    return payload.as_json()


@performs(PurgeChannel)
async def purge_channel(context: Context, action: BotAction, payload: PurgeChannel) -> dict:
    http, channel_id, reason = context.http, payload.channel_id, payload.reason
    await _check_guild(context, channel_id, payload.guild_id)
    limit = payload.limit
    now = datetime.now(UTC)
    # Snowflakes are ordered by creation time: every message with a smaller id than the
    # cutoff's is older than older_than_days, so paging starts there and never reads younger ones.
    before = discord.utils.time_snowflake(now - timedelta(days=payload.older_than_days))
    bulk_floor = now - BULK_DELETE_MAX_AGE
    counts = {"bulk": 0, "single": 0, "kept_pinned": 0}
    pending_bulk: list[str] = []

    async def delete_single(message_id: str) -> None:
        try:
            await context.call(http.delete_message(channel_id, message_id, reason=reason))
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_MESSAGE:  # deleted by someone else meanwhile: fine
                raise
            return
        counts["single"] += 1

    async def flush_bulk() -> None:
        chunk = pending_bulk[:BULK_DELETE_CHUNK]
        del pending_bulk[:BULK_DELETE_CHUNK]
        if len(chunk) == 1:  # bulk delete takes 2 to 100 ids
            await delete_single(chunk[0])
            return
        await context.call(http.delete_messages(channel_id, chunk, reason=reason))
        counts["bulk"] += len(chunk)

    taken = 0  # messages deleted or queued for a bulk delete, counted against the limit
    while limit is None or taken < limit:
        page = await context.call(http.logs_from(channel_id, HISTORY_PAGE_SIZE, before=before))
        for message in page:
            if limit is not None and taken >= limit:
                break
            if message.get("pinned"):
                counts["kept_pinned"] += 1
            elif discord.utils.snowflake_time(int(message["id"])) > bulk_floor:
                taken += 1
                pending_bulk.append(str(message["id"]))
                if len(pending_bulk) >= BULK_DELETE_CHUNK:
                    await flush_bulk()
            else:
                taken += 1
                await delete_single(str(message["id"]))
        if len(page) < HISTORY_PAGE_SIZE:
            break
        before = min(int(message["id"]) for message in page)
    while pending_bulk:
        await flush_bulk()
    return {"channel_id": channel_id, "deleted": counts["bulk"] + counts["single"], **counts}
