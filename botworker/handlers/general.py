"""Commands about Guildhall itself."""

from __future__ import annotations

from botworker.interactions import Invocation, Reply, router
from botworker.members import api_token_issue
from botworker.models import PermissionLevel

WHOAMI_UNCONFIGURED = "This server is not set up for Guildhall yet, so only Discord's own admin permissions count here."


@router.command("whoami", description="Show what Guildhall lets you do here")
def whoami(inv: Invocation) -> Reply:
    level = PermissionLevel(inv.level).label
    if inv.guild_id is None:
        return Reply(content="In direct messages you can use your personal commands (time tracking).", ephemeral=True)
    lines = [f"You are a **{level}** here."]
    if inv.guild is None:
        lines.append(WHOAMI_UNCONFIGURED)
    else:
        lines.append(f"This server's time zone is {inv.guild.timezone}.")
    return Reply(content="\n".join(lines), ephemeral=True)


API_TOKEN_ISSUED = (
    "Your personal API token (shown once; running `/api_token` again replaces it):\n"
    "`{key}`\n"
    "Send it as `Authorization: Token <token>`. It acts as you: in each server at the level "
    "Guildhall last saw you hold there."
)


@router.command("api_token", description="Create or replace your personal API token (shown only to you)")
def api_token(inv: Invocation) -> Reply:
    key = api_token_issue(discord_user_id=inv.user_id)
    return Reply(content=API_TOKEN_ISSUED.format(key=key), ephemeral=True)
