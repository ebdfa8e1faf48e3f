"""A router of small handlers that exercise every path of the dispatcher, for tests."""

from __future__ import annotations

from django.contrib.auth.models import Group

from botworker.interactions import Choice, Modal, Option, OptionType, Reply, Router, TextInput, button
from botworker.models import PermissionLevel
from config.exceptions import ApplicationError

REFUSAL = "No shifts are left to claim."


def build_test_router() -> Router:
    r = Router()
    r.group("team", "Manage the team")

    @r.command(
        "echo",
        description="Say it back",
        options=[Option("text", "What to say", required=True, autocomplete=True, max_length=50)],
    )
    def echo(inv):
        return Reply(content=f"echo {inv.options['text']} from {inv.user_id} level {int(inv.level)}")

    @r.autocomplete("echo", "text")
    def echo_suggestions(inv):
        typed = inv.options.get("text", "")
        return [Choice(name=f"{typed}{n}", value=f"{typed}{n}") for n in range(30)]

    @r.command(
        "team add",
        description="Add a member",
        options=[
            Option("member", "Who", type=OptionType.USER, required=True),
            Option("hours", "How long", type=OptionType.NUMBER, min_value=0.5, max_value=8),
        ],
    )
    def team_add(inv):
        return Reply(content=f"added {inv.options['member']} for {inv.options.get('hours', 1.0)}h", ephemeral=True)

    @r.command("mod_only", description="Moderators", level=PermissionLevel.MODERATOR, needs_config=True)
    def mod_only(inv):
        return Reply(content="moderator things")

    @r.command("admin_only", description="Admins", level=PermissionLevel.ADMIN, guild_only=True)
    def admin_only(inv):
        return Reply(content="admin things")

    @r.command("refuse", description="Always refuses")
    def refuse(inv):
        raise ApplicationError(REFUSAL)

    @r.command("crash", description="Always crashes")
    def crash(inv):
        raise RuntimeError("the handler exploded")

    @r.command("write", description="Writes one row")
    def write(inv):
        group = Group.objects.create(name=f"written-by-{inv.interaction_id}")
        return Reply(content=f"wrote {group.pk}", components=[[button("Claim", f"claim_shift:{group.pk}")]])

    @r.command("slow", description="Deferred", deferred=True)
    def slow(inv):
        Group.objects.create(name=f"slow-{inv.interaction_id}")
        return Reply(content="slow work done")

    @r.command("ask", description="Opens a modal")
    def ask(inv):
        return Reply(modal=Modal("rename:7", "Rename", [TextInput("name", "New name", value="old")]))

    @r.component("claim_shift")
    def claim(inv):
        return Reply(content=f"claimed {inv.target_id} by {inv.user_id}", update=True)

    @r.modal("rename")
    def rename(inv):
        return Reply(content=f"renamed {inv.target_id} to {inv.fields['name']}", ephemeral=True)

    return r
