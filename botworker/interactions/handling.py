"""Handling one interaction, the same way for both transports.

`handle_interaction(payload)` parses Discord's JSON into an :class:`Invocation`, resolves the
member's permission level, dispatches through the router and returns the callback body. The HTTP
endpoint returns that body as its response; the gateway bot posts it to the interaction callback.

Each interaction id is handled once. The record of the interaction is inserted in the same
transaction as the handler's writes; a repeat of the same id (a retry by Discord, or the other
transport) waits on that insert and then answers with the first answer, with no second effect.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.db import transaction

from botworker.guilds import guild_config_for
from botworker.interactions import records
from botworker.interactions.render import render_files, render_interaction_response, render_message
from botworker.interactions.replies import Reply
from botworker.interactions.routing import CUSTOM_ID_RE, HandlerSpec, InteractionType, Invocation, router
from botworker.models import InteractionRecord
from botworker.permissions import resolve_level
from config.logging import log_context

logger = logging.getLogger("guildhall.interactions")

PONG = {"type": 1}
# How long a run of a deferred handler that calls Discord holds its claim: longer than its
# requests can take (discord.py gives up on one after its own retries), well under the 15 minutes
# Discord keeps the interaction token.
FOLLOWUP_LEASE = timedelta(minutes=3)


class InvalidInteraction(ValueError):
    """The payload is not an interaction Guildhall can read (the HTTP endpoint answers 400)."""


def _snowflake(value: Any, what: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInteraction(f"{what} is not a snowflake") from None
    if number <= 0 or number >= 1 << 63:
        raise InvalidInteraction(f"{what} is out of range")
    return number


def _flatten_options(options: list[dict]) -> tuple[list[str], dict[str, Any], str | None]:
    """(subcommand path, option values, focused option) from Discord's nested options."""
    path: list[str] = []
    values: dict[str, Any] = {}
    focused = None
    while options:
        first = options[0] if isinstance(options[0], dict) else {}
        if first.get("type") in (1, 2):  # subcommand or subcommand group
            path.append(str(first.get("name", "")))
            options = first.get("options") or []
            continue
        for option in options:
            if not isinstance(option, dict) or "name" not in option:
                raise InvalidInteraction("malformed option")
            values[str(option["name"])] = option.get("value")
            if option.get("focused"):
                focused = str(option["name"])
        break
    return path, values, focused


def _modal_fields(components: list) -> dict[str, str]:
    fields: dict[str, str] = {}
    for row in components or []:
        if not isinstance(row, dict):
            raise InvalidInteraction("malformed modal component")
        children = row.get("components") or ([row["component"]] if isinstance(row.get("component"), dict) else [])
        for child in children:
            if isinstance(child, dict) and "custom_id" in child:
                fields[str(child["custom_id"])] = str(child.get("value") or "")
    return fields


def parse_invocation(payload: dict) -> Invocation:
    """The transport-neutral invocation of an interaction payload; InvalidInteraction if it is
    not one. Looks the guild's configuration up (cached, see botworker.guilds.guild_config_for)."""
    if not isinstance(payload, dict):
        raise InvalidInteraction("the body is not a JSON object")
    try:
        kind = InteractionType(payload.get("type"))
    except ValueError:
        raise InvalidInteraction(f"unknown interaction type {payload.get('type')!r}") from None
    if kind == InteractionType.PING:
        raise InvalidInteraction("PING carries no invocation")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise InvalidInteraction("the interaction has no data object")
    member = payload.get("member") if isinstance(payload.get("member"), dict) else None
    user = (member or {}).get("user") or payload.get("user")
    if not isinstance(user, dict):
        raise InvalidInteraction("the interaction names no user")

    guild_id = _snowflake(payload.get("guild_id"), "guild_id", optional=True)
    role_ids = frozenset(_snowflake(r, "role id") for r in (member or {}).get("roles") or [])
    try:
        permissions = int((member or {}).get("permissions") or 0)
    except (TypeError, ValueError):
        raise InvalidInteraction("member.permissions is not an integer") from None

    fields: dict[str, Any] = {
        "interaction_id": _snowflake(payload.get("id"), "id"),
        "application_id": str(payload.get("application_id") or ""),
        "token": str(payload.get("token") or ""),
        "type": kind,
        "user_id": _snowflake(user.get("id"), "user.id"),
        "guild_id": guild_id,
        "channel_id": _snowflake(
            payload.get("channel_id") or (payload.get("channel") or {}).get("id"), "channel_id", optional=True
        ),
        "role_ids": role_ids,
        "permissions": permissions,
        "locale": str(payload.get("locale") or payload.get("guild_locale") or "en-US"),
    }
    if kind in (InteractionType.APPLICATION_COMMAND, InteractionType.AUTOCOMPLETE):
        path, values, focused = _flatten_options(data.get("options") or [])
        fields["command"] = " ".join([str(data.get("name", "")), *path]).strip()
        fields["options"] = values
        fields["focused"] = focused
        fields["resolved"] = data.get("resolved") or {}
    else:
        custom_id = data.get("custom_id")
        if not isinstance(custom_id, str):
            raise InvalidInteraction("the interaction has no custom_id")
        fields["custom_id"] = custom_id
        action, _, target = custom_id.partition(":")
        if len(custom_id) <= 100 and CUSTOM_ID_RE.fullmatch(custom_id):
            fields["action"], fields["target"] = action, target
        fields["values"] = tuple(str(v) for v in data.get("values") or [])
        if kind == InteractionType.MODAL_SUBMIT:
            fields["fields"] = _modal_fields(data.get("components") or [])
        message = payload.get("message")
        if isinstance(message, dict) and message.get("id"):
            fields["message_id"] = _snowflake(message["id"], "message.id")

    config = guild_config_for(guild_id) if guild_id is not None else None
    fields["guild"] = config
    fields["level"] = resolve_level(config=config, role_ids=role_ids, permissions=permissions)
    return Invocation(**fields)


def _record_kind(invocation: Invocation) -> str:
    return (invocation.command or invocation.action or invocation.custom_id)[:100]


def handle_interaction(payload: dict) -> dict:
    """The callback body answering `payload`. Raises InvalidInteraction for a payload that is
    not a valid interaction; otherwise never raises (handler failures become ephemeral replies).
    """
    if isinstance(payload, dict) and payload.get("type") == InteractionType.PING:
        return PONG
    invocation = parse_invocation(payload)
    with log_context(interaction=invocation.interaction_id, guild=invocation.guild_id, user=invocation.user_id):
        if invocation.type == InteractionType.AUTOCOMPLETE:
            # Suggestions have no effect, so they need no record.
            return render_interaction_response(router.dispatch(invocation), invocation.type)
        with transaction.atomic():
            if not records.claim(
                invocation.interaction_id,
                kind=_record_kind(invocation),
                guild_id=invocation.guild_id,
                user_id=invocation.user_id,
            ):
                first = InteractionRecord.objects.get(interaction_id=invocation.interaction_id)
                logger.info("repeat of an interaction already handled; answering with the first answer")
                return first.response
            reply = router.dispatch(invocation)
            response = render_interaction_response(reply, invocation.type)
            records.store_response(invocation.interaction_id, response)
            if reply.deferred:
                from botworker.tasks import queue_deferred_interaction

                # Kept until the follow-up is sent, so a sweeper can queue it again if queueing
                # fails now (a broker outage must not lose the answer nor turn into a 500).
                InteractionRecord.objects.filter(interaction_id=invocation.interaction_id).update(
                    deferred_payload=payload
                )
                transaction.on_commit(lambda: queue_deferred_interaction(payload))
        logger.info("answered %s with callback type %s", _record_kind(invocation), response["type"])
        return response


def _followup_message(reply: Reply) -> dict:
    message = render_message(replace(reply, deferred=False))
    if reply.files:
        message["files"] = render_files(reply)
    return message


def run_deferred(payload: dict) -> dict:
    """Run a deferred handler for real and return the message JSON that replaces the deferred
    response. Idempotent: the result is stored on the interaction's record, and a second run
    (a redelivered task) returns the stored result without running the handler again.

    A handler's database work commits with the stored result, under the record's row lock. A
    handler that calls Discord itself (``calls_discord``) is different: no network request may
    wait inside a transaction, so it claims the run in one short transaction, runs with none
    open, and stores its result in another (the first stored result is the answer)."""
    invocation = parse_invocation(payload)
    with log_context(interaction=invocation.interaction_id, guild=invocation.guild_id, user=invocation.user_id):
        spec = router.find(invocation)
        if isinstance(spec, HandlerSpec) and spec.calls_discord:
            stored = records.start_followup(invocation.interaction_id, lease=FOLLOWUP_LEASE)
            if stored is not None:
                return stored
            reply = router.dispatch(invocation, run_deferred=True)
            return records.finish_followup(invocation.interaction_id, _followup_message(reply))
        with transaction.atomic():
            record = InteractionRecord.objects.select_for_update().get(interaction_id=invocation.interaction_id)
            if record.followup is not None:
                return record.followup
            reply = router.dispatch(invocation, run_deferred=True)
            record.followup = _followup_message(reply)
            record.save(update_fields=["followup"])
        return record.followup
