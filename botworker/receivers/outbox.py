"""When an outbox action dies, tell the guild's admins in its logs channel, with a Retry button:
a failure nobody sees is as bad as a lost one."""

from __future__ import annotations

from django.dispatch import receiver

from botworker.guilds import channel_for, guild_config_for
from botworker.interactions import Reply, button, render_message
from botworker.models import BotAction
from botworker.outbox import enqueue
from botworker.signals import action_dead

DEAD_NOTICE_PREFIX = "deadnotice:"


def dead_notice(action: BotAction, *, retried_by: int | None = None) -> Reply:
    """The notice about a dead action; after a retry, the same notice saying who retried it."""
    lines = [
        f"⚠️ **A Discord action failed and will not be tried again** (#{action.pk}, {action.get_kind_display()}).",
        f"Reason: {action.last_error or 'unknown'}",
    ]
    if retried_by is None:
        lines.append("Fix the cause (for example the bot's permissions in that channel), then press Retry.")
        components = [[button("Retry", f"retry_action:{action.pk}", style=1)]]
    else:
        lines.append(f"Retried by <@{retried_by}>.")
        components = [[button("Retried", f"retry_action:{action.pk}", style=2, disabled=True)]]
    return Reply(content="\n".join(lines), components=components)


@receiver(action_dead, dispatch_uid="botworker.dead_action_notice")
def post_dead_action_notice(sender, action_id: int, **kwargs) -> None:
    action = BotAction.objects.filter(pk=action_id).first()
    # A notice that dies itself is not announced: that would loop on a broken logs channel.
    if action is None or action.guild_id is None or action.dedupe_key.startswith(DEAD_NOTICE_PREFIX):
        return
    config = guild_config_for(action.guild_id)
    channel_id = channel_for(config, "logs") if config else None
    if channel_id is None:
        return
    # One notice per death: an action retried and dead again gets a new one.
    deaths = BotAction.objects.filter(dedupe_key__startswith=f"{DEAD_NOTICE_PREFIX}{action.pk}:").count()
    message = render_message(dead_notice(action))
    enqueue(
        kind=BotAction.Kind.SEND_MESSAGE,
        payload={"channel_id": channel_id, "content": message["content"], "components": message["components"]},
        dedupe_key=f"{DEAD_NOTICE_PREFIX}{action.pk}:{deaths + 1}",
        guild_id=action.guild_id,
    )
