"""What every receiver needs to turn a presenter's reply into outbox rows: the message body of a
reply, and a direct message."""

from __future__ import annotations

from botworker import outbox
from botworker.interactions import Reply, render_message
from botworker.models import BotAction


def message_body(reply: Reply) -> dict:
    """The outbox payload keys (content, embeds, components) of a rendered reply, empty ones left
    out. Mentions are not part of it: the outbox pings only the users and roles it is told to."""
    message = render_message(reply)
    return {key: message[key] for key in ("content", "embeds", "components") if message[key]}


def enqueue_dm(
    *,
    user_id: int,
    reply: Reply,
    dedupe_key: str,
    guild_id: int | None = None,
    ordering_key: str = "",
    files: list[outbox.OutboxFile] | None = None,
) -> BotAction:
    """Queue a direct message to `user_id` in the caller's transaction (once per `dedupe_key`),
    with `files` attached (stored with the row)."""
    return outbox.enqueue(
        kind=BotAction.Kind.SEND_DM,
        payload={"user_id": user_id, **message_body(reply)},
        dedupe_key=dedupe_key,
        guild_id=guild_id,
        ordering_key=ordering_key,
        files=files or (),
    )
