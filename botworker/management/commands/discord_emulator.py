"""`manage.py discord_emulator`: run the whole stack locally without Discord.

    python manage.py discord_emulator                  # serve Discord's REST API and gateway on 127.0.0.1:8765
    python manage.py discord_emulator send /whoami     # a slash command through the gateway; prints the bot's answer
    python manage.py discord_emulator send "/sync_commands" --admin
    python manage.py discord_emulator click retry_action:12 --admin
    python manage.py discord_emulator say '!ping'      # a channel message; prints the bot's replies

The served emulator holds the demo guild (the one `make run` configures): its channels, a
moderator and an admin role, and two members holding them. It prints the environment that points
`manage.py runbot` (and `deliver_outbox`, `sync_commands`) at it.
"""

from __future__ import annotations

import json
import signal
import threading
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError

from botworker.emulator import DiscordEmulator
from botworker.guilds import DEMO_GUILD_ID
from botworker.interactions import OptionType, router

DEFAULT_PORT = 8765
DEFAULT_TOKEN = "local-emulator-token"
DEMO_CHANNELS = {
    "shifts": 100_000_000_000_000_201,
    "announcements": 100_000_000_000_000_202,
    "logs": 100_000_000_000_000_203,
}
DEMO_MOD_ROLE = 100_000_000_000_000_101
DEMO_ADMIN_ROLE = 100_000_000_000_000_102
DEMO_MEMBER = 100_000_000_000_000_301
DEMO_MODERATOR = 100_000_000_000_000_302
DEMO_ADMIN = 100_000_000_000_000_303


def seed_demo_guild(emu: DiscordEmulator) -> None:
    emu.add_guild(guild_id=DEMO_GUILD_ID, name="Demo Guild")
    for name, channel_id in DEMO_CHANNELS.items():
        emu.add_channel(guild_id=DEMO_GUILD_ID, name=name, channel_id=channel_id)
    emu.add_role(DEMO_GUILD_ID, "Moderators", role_id=DEMO_MOD_ROLE)
    emu.add_role(DEMO_GUILD_ID, "Admins", role_id=DEMO_ADMIN_ROLE)
    emu.add_user(DEMO_MEMBER, "member")
    emu.add_user(DEMO_MODERATOR, "moderator")
    emu.add_user(DEMO_ADMIN, "admin")
    emu.add_member(DEMO_GUILD_ID, DEMO_MEMBER)
    emu.add_member(DEMO_GUILD_ID, DEMO_MODERATOR, roles=[DEMO_MOD_ROLE])
    emu.add_member(DEMO_GUILD_ID, DEMO_ADMIN, roles=[DEMO_ADMIN_ROLE])


def command_options(path: str, pairs: list[str]) -> list[dict]:
    """`name=value` pairs as Discord's (nested) options, typed by the command's declaration."""
    spec = router.commands.get(path)
    if spec is None:
        raise CommandError(f"no command /{path}; known: {', '.join('/' + p for p in sorted(router.commands))}")
    declared = {option.name: option for option in spec.options}
    options = []
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or name not in declared:
            raise CommandError(f"{pair!r}: give options as name=value; /{path} has {', '.join(declared) or 'none'}")
        kind = declared[name].type
        value: object = raw
        if kind == OptionType.INTEGER:
            value = int(raw)
        elif kind == OptionType.NUMBER:
            value = float(raw)
        elif kind == OptionType.BOOLEAN:
            value = raw.lower() in {"1", "true", "yes", "on"}
        options.append({"name": name, "type": int(kind), "value": value})
    parts = path.split()
    for sub in reversed(parts[1:]):
        kind = OptionType.SUB_COMMAND if sub == parts[-1] else OptionType.SUB_COMMAND_GROUP
        options = [{"name": sub, "type": int(kind), "options": options}]
    return options


class Command(BaseCommand):
    help = "Run a local Discord emulator (REST + gateway) for the bot, or send it a command, click or message."

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", default="serve", choices=["serve", "send", "click", "say"])
        parser.add_argument("target", nargs="?", help='send: "/command [sub]"; click: a custom_id; say: the message')
        parser.add_argument("options", nargs="*", help="send: the command's options as name=value")
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)
        parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bot token the emulator accepts (serve)")
        parser.add_argument("--user", type=int, help="who acts (default: the demo member, moderator or admin)")
        who = parser.add_mutually_exclusive_group()
        who.add_argument("--moderator", action="store_true", help="act as the demo moderator")
        who.add_argument("--admin", action="store_true", help="act as the demo admin")
        parser.add_argument("--dm", action="store_true", help="send the command from a direct message")
        parser.add_argument("--channel", type=int, default=DEMO_CHANNELS["announcements"], help="channel to act in")

    def handle(self, *args, **options):
        if options["action"] == "serve":
            return self.serve(options)
        if not options["target"]:
            raise CommandError(f"{options['action']} needs a target (see --help)")
        user = options["user"] or (
            DEMO_ADMIN if options["admin"] else DEMO_MODERATOR if options["moderator"] else DEMO_MEMBER
        )
        roles = [str(DEMO_ADMIN_ROLE)] if options["admin"] else [str(DEMO_MOD_ROLE)] if options["moderator"] else []
        base = f"http://127.0.0.1:{options['port']}/_emulator"
        if options["action"] == "say":
            body = {
                "channel_id": options["channel"],
                "content": options["target"],
                "author_id": user,
                "guild_id": DEMO_GUILD_ID,
            }
            answer = self.post(f"{base}/messages", body)
            replies = [m["content"] for m in answer["replies"]]
            self.stdout.write("\n".join(replies) if replies else "(the bot did not reply)")
            return None
        interaction: dict = {"channel_id": str(options["channel"])}
        if options["dm"]:
            interaction = {"user": {"id": str(user), "username": "you"}}
        else:
            interaction.update(guild_id=str(DEMO_GUILD_ID), member={"user": {"id": str(user)}, "roles": roles})
        if options["action"] == "send":
            path = options["target"].lstrip("/").strip()
            interaction.update(
                type=2, data={"name": path.split()[0], "type": 1, "options": command_options(path, options["options"])}
            )
        else:
            interaction.update(type=3, data={"custom_id": options["target"], "component_type": 2})
        answer = self.post(f"{base}/interactions", interaction)
        if not answer["responses"]:
            raise CommandError(
                "the bot did not answer within 5 seconds (is `manage.py runbot` running against the emulator?)"
            )
        self.stdout.write(json.dumps(answer["responses"][-1], indent=2, ensure_ascii=False))
        return None

    def post(self, url: str, body: dict) -> dict:
        request = urllib.request.Request(
            url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return json.loads(response.read())
        except urllib.error.URLError as exc:
            raise CommandError(
                f"no emulator at {url} ({exc.reason}): start it with `manage.py discord_emulator`"
            ) from None

    def serve(self, options) -> None:
        emu = DiscordEmulator(token=options["token"], port=options["port"], control=True)
        seed_demo_guild(emu)
        try:
            emu.start()
        except RuntimeError as exc:
            raise CommandError(f"cannot serve on 127.0.0.1:{options['port']}: {exc.__cause__}") from None
        self.stdout.write(f"Discord emulator on {emu.url} (REST {emu.api_base}, gateway {emu.gateway_url})")
        self.stdout.write("Run the bot against it (in another terminal):")
        self.stdout.write(
            f"  DISCORD_TOKEN={emu.token} DISCORD_APPLICATION_ID={emu.application_id} "
            f"DISCORD_API_BASE={emu.api_base} DISCORD_GATEWAY_URL={emu.gateway_url} python manage.py runbot"
        )
        self.stdout.write("Then: python manage.py discord_emulator send /whoami   (or: click CUSTOM_ID, say '!ping')")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        stop.wait()
        emu.stop()
        self.stdout.write("emulator stopped")
