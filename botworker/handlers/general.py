"""Commands about Guildhall itself."""

from __future__ import annotations

from botworker.interactions import Invocation, Reply, router
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
