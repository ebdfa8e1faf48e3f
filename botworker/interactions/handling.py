"""Handling one interaction, the same way for both transports.

`handle_interaction(payload)` parses Discord's JSON into an :class:`Invocation`, resolves the
member's permission level, dispatches through the router and returns the callback body. The HTTP
endpoint returns that body as its response; the gateway bot posts it to the interaction callback.

Each interaction id is handled once. The record of the interaction is inserted with its answer at
the end of the transaction that holds the handler's writes; a repeat of the same id (a retry by
Discord, or the other transport) finds that record when it inserts its own (waiting for the first
transaction if it is still open), rolls its own writes back and answers with the first answer: no
second effect.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, transaction

from botworker.guilds import guild_config_for
from botworker.interactions import records
from botworker.interactions.render import render_files, render_interaction_response, render_message
from botworker.interactions.replies import Reply
from botworker.interactions.routing import CUSTOM_ID_RE, UNSTORABLE, HandlerSpec, InteractionType, Invocation, router
from botworker.models import InteractionRecord
from botworker.permissions import resolve_level
from botworker.seen import record_people_seen
from config.logging import log_context
from config.snowflakes import is_snowflake_range, whole_number

logger = logging.getLogger("guildhall.interactions")

PONG = {"type": 1}
# How long a run of a deferred handler that calls Discord holds its claim: longer than its
# requests can take (discord.py gives up on one after its own retries), well under the 15 minutes
# Discord keeps the interaction token.
FOLLOWUP_LEASE = timedelta(minutes=3)


class InvalidInteraction(ValueError):
    """The payload is not an interaction Guildhall can read (the HTTP endpoint answers 400)."""


class _AnsweredBefore(Exception):
    """Another transaction recorded the interaction first: this run's writes are rolled back."""


class _HandlerFailed(Exception):
    """The handler refused or crashed: roll back what it wrote, then record `reply` alone."""

    def __init__(self, reply: Reply) -> None:
        super().__init__("handler failed")
        self.reply = reply


PERMISSIONS_LIMIT = 1 << 64
# Discord's own limits on what it sends: command and option names, custom_ids, select values,
# text input values. Anything longer is not Discord's.
NAME_MAX = 32
CUSTOM_ID_MAX = 100
SELECT_VALUE_MAX = 100
TEXT_INPUT_MAX = 4000
TOKEN_MAX = 1000
LOCALE_MAX = 16
MAX_VALUES = 25
MAX_OPTIONS = 25
MAX_MODAL_ROWS = 5
MAX_ROLES = 1000
_DIGITS = re.compile(r"[0-9]{1,20}")
OPTION_VALUE_TYPES = (str, int, float, bool)


def _snowflake(value: Any, what: str, *, optional: bool = False) -> int | None:
    """A Discord id: a string of digits (or a JSON integer), 0 < id < 2^63. Nothing else: a
    float (1e400, 12.5), a boolean or a list is not an id."""
    if value is None and optional:
        return None
    number = whole_number(value)
    if number is None:
        raise InvalidInteraction(f"{what} is not a snowflake")
    if not is_snowflake_range(number):
        raise InvalidInteraction(f"{what} is out of range")
    return number


def _permissions(value: Any) -> int:
    """The member's permission bitfield (a string of digits; 0 when absent)."""
    if value is None:
        return 0
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise InvalidInteraction("member.permissions is not an integer")
    if not 0 <= number < PERMISSIONS_LIMIT:
        raise InvalidInteraction("member.permissions is out of range")
    return number


def _text(value: Any, what: str, *, max_length: int, default: str | None = None) -> str:
    """A string Discord sends as part of the interaction's structure (a name, a custom_id):
    refused when it is not a string, too long, or holds a character that cannot be stored."""
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise InvalidInteraction(f"{what} is not a string")
    if len(value) > max_length:
        raise InvalidInteraction(f"{what} is longer than {max_length} characters")
    if UNSTORABLE.search(value):
        raise InvalidInteraction(f"{what} holds a character that is not allowed")
    return value


def _object(value: Any, what: str) -> dict:
    """An optional JSON object (absent is empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInteraction(f"{what} is not an object")
    return value


def _array(value: Any, what: str, *, max_items: int) -> list:
    """An optional JSON array (absent is empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInteraction(f"{what} is not an array")
    if len(value) > max_items:
        raise InvalidInteraction(f"{what} has more than {max_items} items")
    return value


def _user_text(value: Any, what: str, *, max_length: int) -> str:
    """Text a member typed or picked (a select value, a text input): a string of Discord's
    length. A character that cannot be stored is left for the router to refuse with an answer."""
    if not isinstance(value, str):
        raise InvalidInteraction(f"{what} is not a string")
    if len(value) > max_length:
        raise InvalidInteraction(f"{what} is longer than {max_length} characters")
    return value


def _flatten_options(options: Any) -> tuple[list[str], dict[str, Any], str | None]:
    """(subcommand path, option values, focused option) from Discord's nested options."""
    path: list[str] = []
    values: dict[str, Any] = {}
    focused = None
    options = _array(options, "data.options", max_items=MAX_OPTIONS)
    for _ in range(3):  # a command, a group, a subcommand: never deeper
        if not all(isinstance(option, dict) for option in options):
            raise InvalidInteraction("an option is not an object")
        if not options or options[0].get("type") not in (1, 2):  # subcommand or subcommand group
            break
        path.append(_text(options[0].get("name"), "subcommand name", max_length=NAME_MAX))
        options = _array(options[0].get("options"), "subcommand options", max_items=MAX_OPTIONS)
    else:
        raise InvalidInteraction("options are nested deeper than a subcommand group")
    for option in options:
        name = _text(option.get("name"), "option name", max_length=NAME_MAX)
        value = option.get("value")
        if value is not None and not isinstance(value, OPTION_VALUE_TYPES):
            raise InvalidInteraction(f"option {name} has a value that is not a string, number or boolean")
        values[name] = value
        if option.get("focused"):
            focused = name
    return path, values, focused


def _modal_fields(components: Any) -> dict[str, str]:
    fields: dict[str, str] = {}
    for row in _array(components, "data.components", max_items=MAX_MODAL_ROWS):
        if not isinstance(row, dict):
            raise InvalidInteraction("a modal row is not an object")
        if "components" in row:
            children = _array(row["components"], "a modal row's components", max_items=MAX_MODAL_ROWS)
        else:  # a label component carries one child
            children = [_object(row.get("component"), "a modal label's component")] if row.get("component") else []
        for child in children:
            if not isinstance(child, dict):
                raise InvalidInteraction("a modal component is not an object")
            if "custom_id" not in child:
                continue
            custom_id = _text(child["custom_id"], "a modal component's custom_id", max_length=CUSTOM_ID_MAX)
            value = child.get("value")
            fields[custom_id] = (
                "" if value is None else _user_text(value, "a text input value", max_length=TEXT_INPUT_MAX)
            )
    return fields


def parse_invocation(payload: dict) -> Invocation:
    """The transport-neutral invocation of an interaction payload; InvalidInteraction if it is
    not one. Every part of the payload Guildhall reads is checked here, once: its type, ids
    (snowflakes), lengths and characters; what a member typed that does not fit a command's
    option is refused later, by the router, with an answer.

    Looks the guild's configuration up (cached, see botworker.guilds.guild_config_for)."""
    if not isinstance(payload, dict):
        raise InvalidInteraction("the body is not a JSON object")
    raw_type = payload.get("type")
    if isinstance(raw_type, bool) or not isinstance(raw_type, int) or raw_type not in set(InteractionType):
        raise InvalidInteraction(f"unknown interaction type {raw_type!r}"[:100])
    kind = InteractionType(raw_type)
    if kind == InteractionType.PING:
        raise InvalidInteraction("PING carries no invocation")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise InvalidInteraction("the interaction has no data object")
    member = payload.get("member")
    if member is not None and not isinstance(member, dict):
        raise InvalidInteraction("member is not an object")
    user = (member or {}).get("user") or payload.get("user")
    if not isinstance(user, dict):
        raise InvalidInteraction("the interaction names no user")

    guild_id = _snowflake(payload.get("guild_id"), "guild_id", optional=True)
    roles = _array((member or {}).get("roles"), "member.roles", max_items=MAX_ROLES)
    role_ids = frozenset(_snowflake(r, "role id") for r in roles)
    permissions = _permissions((member or {}).get("permissions"))
    channel = _object(payload.get("channel"), "channel")
    channel_id = payload.get("channel_id")
    if channel_id is None:
        channel_id = channel.get("id")

    fields: dict[str, Any] = {
        "interaction_id": _snowflake(payload.get("id"), "id"),
        "application_id": _text(payload.get("application_id"), "application_id", max_length=20, default=""),
        "token": _text(payload.get("token"), "token", max_length=TOKEN_MAX, default=""),
        "type": kind,
        "user_id": _snowflake(user.get("id"), "user.id"),
        "guild_id": guild_id,
        "channel_id": _snowflake(channel_id, "channel_id", optional=True),
        "role_ids": role_ids,
        "permissions": permissions,
        "locale": _text(
            payload.get("locale") or payload.get("guild_locale"), "locale", max_length=LOCALE_MAX, default="en-US"
        ),
    }
    if kind in (InteractionType.APPLICATION_COMMAND, InteractionType.AUTOCOMPLETE):
        name = _text(data.get("name"), "data.name", max_length=NAME_MAX)
        path, values, focused = _flatten_options(data.get("options"))
        fields["command"] = " ".join([name, *path]).strip()
        fields["options"] = values
        fields["focused"] = focused
        fields["resolved"] = _object(data.get("resolved"), "data.resolved")
    else:
        custom_id = data.get("custom_id")
        if not isinstance(custom_id, str):
            raise InvalidInteraction("the interaction has no custom_id")
        if UNSTORABLE.search(custom_id):
            raise InvalidInteraction("custom_id holds a character that is not allowed")
        fields["custom_id"] = custom_id
        action, _, target = custom_id.partition(":")
        # One that is too long or not `action:target` is answered by the router (MALFORMED_COMPONENT).
        if len(custom_id) <= CUSTOM_ID_MAX and CUSTOM_ID_RE.fullmatch(custom_id):
            fields["action"], fields["target"] = action, target
        values = _array(data.get("values"), "data.values", max_items=MAX_VALUES)
        fields["values"] = tuple(_user_text(v, "a selected value", max_length=SELECT_VALUE_MAX) for v in values)
        if kind == InteractionType.MODAL_SUBMIT:
            fields["fields"] = _modal_fields(data.get("components"))
        message = _object(payload.get("message"), "message")
        if message.get("id") is not None:
            fields["message_id"] = _snowflake(message["id"], "message.id")

    config = guild_config_for(guild_id) if guild_id is not None else None
    fields["guild"] = config
    fields["level"] = resolve_level(config=config, role_ids=role_ids, permissions=permissions)
    return Invocation(**fields)


def _record_kind(invocation: Invocation) -> str:
    return (invocation.command or invocation.action or invocation.custom_id)[:100]


def _record_people_seen(payload: dict, invocation: Invocation) -> None:
    record_people_seen(
        payload,
        guild_id=invocation.guild_id,
        user_id=invocation.user_id,
        role_ids=invocation.role_ids,
        permissions=invocation.permissions,
    )


def _record_answer(payload: dict, invocation: Invocation, reply: Reply) -> dict:
    """Render `reply`, record it as the interaction's answer (raises _AnsweredBefore when another
    transaction recorded one first) and queue a deferred answer's follow-up after commit."""
    response = render_interaction_response(reply, invocation.type)
    # Kept until the follow-up is sent, so a sweeper can queue it again if queueing fails now (a
    # broker outage must not lose the answer nor turn into a 500).
    if not records.record_answer(
        invocation.interaction_id,
        kind=_record_kind(invocation),
        guild_id=invocation.guild_id,
        user_id=invocation.user_id,
        response=response,
        deferred_payload=payload if reply.deferred else None,
    ):
        raise _AnsweredBefore
    if reply.deferred:
        from botworker.tasks import queue_deferred_interaction

        transaction.on_commit(lambda: queue_deferred_interaction(payload))
    return response


def _dispatch_deferred(invocation: Invocation) -> Reply:
    """Run a deferred handler inside a savepoint, rolled back when it refuses or crashes."""
    try:
        with transaction.atomic():
            reply = router.dispatch(invocation, run_deferred=True)
            if reply.handler_failed:
                raise _HandlerFailed(reply)
    except _HandlerFailed as failed:
        return failed.reply
    return reply


def handle_interaction(payload: dict) -> dict:
    """The callback body answering `payload`. Raises InvalidInteraction for a payload that is
    not a valid interaction; otherwise never raises (handler failures become ephemeral replies).
    """
    if isinstance(payload, dict) and type(payload.get("type")) is int and payload["type"] == InteractionType.PING:
        return PONG
    invocation = parse_invocation(payload)
    with log_context(interaction=invocation.interaction_id, guild=invocation.guild_id, user=invocation.user_id):
        if invocation.type == InteractionType.AUTOCOMPLETE:
            # Suggestions have no effect, so they need no record.
            return render_interaction_response(router.dispatch(invocation), invocation.type)
        try:
            try:
                with records.answering(), transaction.atomic():
                    _record_people_seen(payload, invocation)
                    reply = router.dispatch(invocation)
                    if reply.handler_failed:
                        raise _HandlerFailed(reply)
                    response = _record_answer(payload, invocation, reply)
            except _HandlerFailed as failed:
                # The handler refused or crashed: what it wrote went with its transaction; the
                # refusal is recorded in one of its own (people seen included).
                with records.answering(), transaction.atomic():
                    _record_people_seen(payload, invocation)
                    response = _record_answer(payload, invocation, failed.reply)
        except _AnsweredBefore:
            logger.info("repeat of an interaction already handled; answering with the first answer")
            return records.first_answer(invocation.interaction_id)
        except DatabaseError:
            # A repeat's handler can fail on the first run's writes (a row both insert) and leave
            # its transaction unusable, before it learns it is a repeat: it still is one.
            first = records.first_answer(invocation.interaction_id)
            if first is None:
                raise
            logger.info("repeat of an interaction already handled (its run failed); answering with the first answer")
            return first
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
            reply = _dispatch_deferred(invocation)
            record.followup = _followup_message(reply)
            record.save(update_fields=["followup"])
        return record.followup
