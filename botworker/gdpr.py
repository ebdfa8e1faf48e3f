"""The Discord layer's personal data, registered from here so no domain app imports botworker
(registry: config.gdpr; rules: docs/gdpr.md)."""

from __future__ import annotations

from django.db import models

from botworker.models import (
    BotAction,
    BotActionFile,
    DirectoryMember,
    DirectoryUser,
    DiscordLink,
    GuildMember,
    InteractionRecord,
)
from config.gdpr import Erase, Link, register

# What the bot has seen of the member. Erased like the rest; while they stay in a guild the
# gateway and their next interaction show them to the bot again (that is Discord's data, current).
register(GuildMember, Link("user_id", Erase.DELETE))
register(DirectoryUser, Link("user_id", Erase.DELETE))
register(DirectoryMember, Link("user_id", Erase.DELETE))
# An interaction's record guards against handling its id twice, so it stays, with a tombstone and
# without what was answered (the erasure's own interaction is recorded in the same transaction).
# Its answer bodies are not exported: replies may list other members (a staff member's ticket list).
register(
    InteractionRecord,
    Link("user_id", Erase.ANONYMISE, owns=("response", "followup", "deferred_payload")),
    omit=("response", "followup", "deferred_payload"),
)


def _erase_links(rows: models.QuerySet, user_id: int, tombstone: int) -> dict[str, int]:
    """The link of a login to the member goes; so does a login /api_token created for them
    (named after their Discord id, no password), with its token."""
    deleted = 0
    for link in rows.select_related("user"):
        login = link.user
        created_for_them = login.username.startswith(f"discord-{user_id}") and not login.has_usable_password()
        if created_for_them and not login.is_staff:
            deleted += login.delete()[0]  # the link and the token go with it (CASCADE)
        else:
            deleted += link.delete()[0]
    return {"deleted": deleted, "anonymised": 0}


register(DiscordLink, Link("discord_user_id", Erase.DELETE), eraser=_erase_links)


def _erase_actions(rows: models.QuerySet, user_id: int, tombstone: int) -> dict[str, int]:
    """Delivered and dead actions for the member (DMs, role changes) go. Pending ones stay until
    delivered (the erasure's own confirmation DM is one of them); their rows are kept as a
    documented exception and deleted by a later erasure."""
    finished = rows.filter(status__in=[BotAction.Status.DONE, BotAction.Status.DEAD])
    deleted, _ = finished.delete()
    return {"deleted": deleted, "anonymised": 0}


register(
    BotAction,
    Link("payload__user_id", Erase.KEEP, as_text=True, reason="actions still to be delivered (pending ones)"),
    eraser=_erase_actions,
    # The payload is what was sent to the member (a DM's text) and is exported; the delivery's
    # technical traces are not.
    omit=("result", "last_error", "hook", "hook_args", "claimed_by"),
)
# A file sent with an action (a DM's export, a ticket's transcript) goes with its action. The
# export names it (its file name and size); its bytes are what was sent, not listed again.
register(BotActionFile, Link("action__payload__user_id", Erase.FOLLOWS, as_text=True), omit=("content",))
