"""`manage.py discord_emulator`: run the whole stack locally without Discord.

    python manage.py discord_emulator                  # serve Discord's REST API and gateway on 127.0.0.1:8765
    python manage.py discord_emulator wait             # wait until a served emulator answers (for scripts)
    python manage.py discord_emulator send /whoami     # a slash command through the gateway; prints the answer
    python manage.py discord_emulator send /session in subject=Gym
    python manage.py discord_emulator send /availability set day=Monday earliest_start=19:00 hours=3
    python manage.py discord_emulator send /sync_commands --admin
    python manage.py discord_emulator click pause:12   # a button (or: click CUSTOM_ID VALUE... for a menu)
    python manage.py discord_emulator submit edit_purpose:12 purpose="Chapter 3"
    python manage.py discord_emulator messages shifts  # a channel's messages with their buttons
    python manage.py discord_emulator say '!ping'      # a channel message; prints the bot's replies

The served emulator holds the demo guild (config.demo, the one `make run` configures): its
channels, a moderator and an admin role, and its members holding them. It prints the
environment that points `manage.py runbot` (and the Celery worker, `deliver_outbox`,
`sync_commands`) at it; `make sandbox` starts all of them with that environment.

Answers are printed as text: the content, embeds (title, description, fields), attached file
names and the buttons and menus with their custom_ids. A deferred answer is waited for (`--wait`
seconds). `--json` prints the raw JSON instead.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError

from botworker.emulator import DiscordEmulator
from botworker.interactions import OptionType, router
from config import demo, sandbox

DEFAULT_PORT = sandbox.DEFAULT_PORT
DEFAULT_TOKEN = sandbox.TOKEN
DEFAULT_APPLICATION_ID = sandbox.APPLICATION_ID
DEMO_CHANNELS = demo.CHANNELS
DEMO_MEMBER = demo.MEMBER.user_id
DEMO_MODERATOR = demo.MODERATOR.user_id
DEMO_ADMIN = demo.ADMIN.user_id
# Who --user may also name: the demo cast by username, and member/moderator/admin.
DEMO_USERS = {
    **{m.username: m.user_id for m in demo.MEMBERS},
    "member": DEMO_MEMBER,
    "moderator": DEMO_MODERATOR,
    "admin": DEMO_ADMIN,
}
ACTIONS = ["serve", "wait", "send", "click", "submit", "messages", "say"]
EPHEMERAL = 1 << 6


def seed_demo_guild(emu: DiscordEmulator) -> None:
    """The demo guild of config.demo: its channels, roles and members with the roles they hold."""
    emu.add_guild(guild_id=demo.GUILD_ID, name=demo.GUILD_NAME)
    for name, channel_id in demo.CHANNELS.items():
        emu.add_channel(guild_id=demo.GUILD_ID, name=name, channel_id=channel_id)
    for role_id, name in demo.ROLES.items():
        emu.add_role(demo.GUILD_ID, name, role_id=role_id)
    for member in demo.MEMBERS:
        emu.add_user(member.user_id, member.username)
        emu.add_member(demo.GUILD_ID, member.user_id, roles=member.role_ids)


OPTION_START = re.compile(r"(?:^|\s)([^\s=]+=)")


def split_command(words: list[str]) -> tuple[str, list[str]]:
    """`/session in subject=Gym`, as one argument or several, as ("session in", ["subject=Gym"]).

    The command's path is the leading words without "="; then come the options, one per argument
    (a quoted value may hold spaces). In an argument holding both, the options start at the
    first `name=`."""
    path: list[str] = []
    options: list[str] = []
    for word in words:
        if options:
            options.append(word)
            continue
        match = OPTION_START.search(word)
        head = word if match is None else word[: match.start(1)]
        path.extend(token.lstrip("/") for token in head.split() if token.lstrip("/"))
        if match is not None:
            options.append(word[match.start(1) :])
    return " ".join(path), options


def command_options(path: str, pairs: list[str]) -> list[dict]:
    """`name=value` pairs as Discord's (nested) options, typed by the command's declaration.
    An option with choices takes a choice's name (`day=Monday`) or its value."""
    spec = router.commands.get(path)
    if spec is None:
        under = sorted(p for p in router.commands if p.split()[0] == path.split()[0]) if path else []
        known = under or sorted(router.commands)
        raise CommandError(
            f"no command /{path}; {'its subcommands' if under else 'known'}: " + ", ".join("/" + p for p in known)
        )
    declared = {option.name: option for option in spec.options}
    options = []
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or name not in declared:
            raise CommandError(f"{pair!r}: give options as name=value; /{path} has {', '.join(declared) or 'none'}")
        option = declared[name]
        options.append({"name": name, "type": int(option.type), "value": _option_value(path, option, raw)})
    missing = [o.name for o in spec.options if o.required and o.name not in {opt["name"] for opt in options}]
    if missing:
        raise CommandError(f"/{path} needs {', '.join(n + '=…' for n in missing)}")
    parts = path.split()
    for sub in reversed(parts[1:]):
        kind = OptionType.SUB_COMMAND if sub == parts[-1] else OptionType.SUB_COMMAND_GROUP
        options = [{"name": sub, "type": int(kind), "options": options}]
    return options


def _option_value(path: str, option, raw: str) -> object:
    if option.choices:
        for choice in option.choices:
            if raw.casefold() in (choice.name.casefold(), str(choice.value).casefold()):
                return choice.value
        names = ", ".join(choice.name for choice in option.choices)
        raise CommandError(f"{option.name}={raw!r}: /{path} takes one of: {names}")
    kind = option.type
    try:
        if kind == OptionType.INTEGER:
            return int(raw)
        if kind == OptionType.NUMBER:
            return float(raw)
    except ValueError:
        what = "a whole number" if kind == OptionType.INTEGER else "a number"
        raise CommandError(f"{option.name}={raw!r} is not {what}") from None
    if kind == OptionType.BOOLEAN:
        word = raw.strip().lower()
        if word not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
            raise CommandError(f"{option.name}={raw!r} is not true or false")
        return word in {"1", "true", "yes", "on"}
    if kind in (OptionType.USER, OptionType.CHANNEL, OptionType.ROLE, OptionType.MENTIONABLE):
        known = {**DEMO_USERS, **DEMO_CHANNELS}
        value = str(known.get(raw.lstrip("#@"), raw.strip("<@#&!>")))
        if not value.isdigit():
            raise CommandError(f"{option.name}={raw!r} is not a Discord id (or one of: {', '.join(known)})")
        return value
    return raw


def field_pairs(pairs: list[str]) -> list[dict]:
    """`field=value` pairs as a modal submit's rows of text inputs."""
    rows = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CommandError(f"{pair!r}: give the modal's fields as field=value")
        rows.append({"type": 1, "components": [{"type": 4, "custom_id": name, "value": value}]})
    return rows


# ---------------------------------------------------------------- readable answers


TIMESTAMP = re.compile(r"<t:(-?\d{1,13})(?::([tTdDfFR]))?>")
USER_MENTION = re.compile(r"<@!?(\d{15,20})>")
CHANNEL_MENTION = re.compile(r"<#(\d{15,20})>")
ROLE_MENTION = re.compile(r"<@&(\d{15,20})>")


def readable(text: str, now: datetime | None = None) -> str:
    """Discord's markup as text: timestamps (`<t:1700000000:f>`) as the UTC time they stand for
    (relative ones as "in 3 h"), and mentions of the demo guild's members, channels and roles by name."""
    now = now or datetime.now(tz=UTC)

    def moment(match: re.Match) -> str:
        at = datetime.fromtimestamp(int(match.group(1)), tz=UTC)
        style = match.group(2)
        if style == "R":
            return relative(at - now)
        return at.strftime("%H:%M UTC" if style in ("t", "T") else "%a %Y-%m-%d %H:%M UTC")

    names = {str(m.user_id): m.username for m in demo.MEMBERS}
    channels = {str(i): name for name, i in demo.CHANNELS.items()}
    roles = {str(i): name for i, name in demo.ROLES.items()}
    text = TIMESTAMP.sub(moment, text)
    text = ROLE_MENTION.sub(lambda m: f"@{roles.get(m.group(1), m.group(1))}", text)
    text = USER_MENTION.sub(lambda m: f"@{names.get(m.group(1), m.group(1))}", text)
    return CHANNEL_MENTION.sub(lambda m: f"#{channels.get(m.group(1), m.group(1))}", text)


def relative(delta: timedelta) -> str:
    seconds = abs(int(delta.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            amount = f"{seconds // size} {unit}"
            break
    else:
        amount = "less than a minute"
    return f"in {amount}" if delta.total_seconds() > 0 else f"{amount} ago"


def describe_message(message: dict) -> list[str]:
    """A message as lines of text: content, embeds, files, buttons and menus with their custom_ids."""
    lines = []
    if message.get("flags", 0) & EPHEMERAL:
        lines.append("(only you can see this)")
    if message.get("content"):
        lines.extend(message["content"].splitlines())
    for embed in message.get("embeds") or []:
        title = embed.get("title") or (embed.get("author") or {}).get("name") or ""
        lines.append(f"┌ {title}".rstrip())
        lines.extend(f"│ {line}" for line in (embed.get("description") or "").splitlines())
        for item in embed.get("fields") or []:
            lines.append(f"│ {item.get('name', '')}: {item.get('value', '')}".replace("\n", " / "))
        if (embed.get("footer") or {}).get("text"):
            lines.append(f"│ — {embed['footer']['text']}")
        if (embed.get("image") or {}).get("url"):
            lines.append(f"│ image: {embed['image']['url'].rsplit('/', 1)[-1]}")
        lines.append("└")
    for attachment in message.get("attachments") or []:
        lines.append(f"[file] {attachment['filename']} ({attachment.get('size', 0)} bytes)")
    for row in message.get("components") or []:
        for component in row.get("components") or []:
            lines.append(describe_component(component))
    return [readable(line) for line in lines]


def describe_component(component: dict) -> str:
    kind = component.get("type")
    if kind == 2:
        label = component.get("label") or (component.get("emoji") or {}).get("name") or ""
        state = " (disabled)" if component.get("disabled") else ""
        if component.get("style") == 5:
            return f"[link] {label} → {component.get('url')}"
        return f"[button] {label} → {component.get('custom_id')}{state}"
    if kind == 3:
        options = ", ".join(f"{o.get('label')}={o.get('value')}" for o in component.get("options") or [])
        return f"[menu] {component.get('placeholder') or ''} → {component.get('custom_id')}: {options}".replace(
            "  ", " "
        )
    return f"[component type {kind}] → {component.get('custom_id')}"


def describe_answer(answer: dict, wait: float) -> list[str]:
    responses = answer.get("responses") or []
    if not responses:
        return []
    last = responses[-1]
    kind = last.get("type")
    data = last.get("data") or {}
    if kind == 9:
        lines = [f"modal “{data.get('title', '')}” → {data.get('custom_id')}"]
        for row in data.get("components") or []:
            for field in [*(row.get("components") or []), *([row["component"]] if row.get("component") else [])]:
                required = ", required" if field.get("required") else ""
                current = f" = {field['value']!r}" if field.get("value") else ""
                lines.append(f"  field {field.get('custom_id')} ({field.get('label', '')}{required}){current}")
        example = " ".join(f"{f}=…" for f in _modal_field_ids(data))
        lines.append(f"submit it with: discord_emulator submit {data.get('custom_id')} {example}".rstrip())
        return lines
    if kind == 8:
        return [f"choice {c['name']} = {c['value']}" for c in data.get("choices") or []]
    lines: list[str] = []
    message = answer.get("message")
    if answer.get("pending"):
        lines.append(
            f"(the bot deferred its answer and did not finish within {wait:g} s: is the Celery worker "
            "running with the emulator's environment? `make sandbox` starts it so)"
        )
    elif message is not None:
        if kind in (6, 7):
            lines.append(f"(updated message {message['id']})")
        lines.extend(describe_message(message))
    elif kind in (4, 7):
        lines.extend(describe_message(data))
    for followup in answer.get("followups") or []:
        lines.append("--- follow-up")
        lines.extend(describe_message(followup))
    return lines or ["(the bot acknowledged it without a message)"]


def _modal_field_ids(data: dict) -> list[str]:
    ids = []
    for row in data.get("components") or []:
        for field in [*(row.get("components") or []), *([row["component"]] if row.get("component") else [])]:
            ids.append(field.get("custom_id"))
    return ids


class Command(BaseCommand):
    help = (
        "Run a local Discord emulator (REST + gateway) for the bot, or act in it: send a slash command, "
        "click a button, submit a modal, list a channel's messages or say something in a channel."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", default="serve", choices=ACTIONS)
        parser.add_argument(
            "target",
            nargs="?",
            help="send: /command [sub]; click and submit: a custom_id; messages: a channel name or id; say: the message",
        )
        parser.add_argument(
            "options", nargs="*", help="send: name=value options; submit: field=value; click: a menu's values"
        )
        parser.add_argument(
            "--port", type=int, default=None, help="the emulator's port (default: DISCORD_EMULATOR_PORT, else 8765)"
        )
        parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bot token the emulator accepts (serve)")
        parser.add_argument(
            "--user", help="who acts: a user id or a demo member's name (default: the demo member, Mira)"
        )
        who = parser.add_mutually_exclusive_group()
        who.add_argument("--moderator", action="store_true", help="act as the demo moderator")
        who.add_argument("--admin", action="store_true", help="act as the demo admin")
        parser.add_argument("--dm", action="store_true", help="send the command from a direct message")
        parser.add_argument(
            "--channel", default="announcements", help="channel to act in: a demo channel's name or an id"
        )
        parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait for a (deferred) answer")
        parser.add_argument("--json", action="store_true", help="print the raw JSON answer")
        parser.add_argument(
            "--sandbox", action="store_true", help="serve: started by `make sandbox`, which starts the bot itself"
        )

    def handle(self, *args, **options):
        try:
            return self.act(options)
        except BrokenPipeError:
            # The reader went away (`... | head`): stop quietly, as other command-line tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return None
        except (CommandError, KeyboardInterrupt):
            raise
        except Exception as exc:
            if options.get("traceback"):
                raise
            raise CommandError(f"{type(exc).__name__}: {exc} (run again with --traceback for details)") from None

    def act(self, options):
        action = options["action"]
        if options["port"] is None:
            try:
                options["port"] = sandbox.emulator_port()
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        if action == "serve":
            return self.serve(options)
        base = f"http://127.0.0.1:{options['port']}/_emulator"
        if action == "wait":
            return self.wait_for_emulator(base, options["wait"])
        if action == "messages":
            return self.list_messages(base, options)
        if not options["target"]:
            raise CommandError(f"{action} needs a target (see --help)")
        user = self.acting_user(options)
        channel = self.channel_id(options["channel"])
        if action == "say":
            body = {"channel_id": channel, "content": options["target"], "author_id": user, "guild_id": demo.GUILD_ID}
            answer = self.post(f"{base}/messages", body)
            if options["json"]:
                return self.write_json(answer)
            lines = [line for reply in answer["replies"] for line in describe_message(reply)]
            self.stdout.write("\n".join(lines) if lines else "(the bot did not reply)")
            return None
        interaction: dict = {"channel_id": str(channel)}
        if options["dm"]:
            interaction = {"user": {"id": str(user)}}
        else:
            # The member's roles are the ones the emulator's guild gives them (config.demo).
            interaction.update(guild_id=str(demo.GUILD_ID), member={"user": {"id": str(user)}})
        if action == "send":
            path, pairs = split_command([options["target"], *options["options"]])
            interaction.update(
                type=2, data={"name": path.split()[0], "type": 1, "options": command_options(path, pairs)}
            )
        elif action == "click":
            data: dict = {"custom_id": options["target"], "component_type": 2}
            if options["options"]:
                data.update(component_type=3, values=options["options"])
            interaction.update(type=3, data=data)
        else:  # submit
            interaction.update(
                type=5, data={"custom_id": options["target"], "components": field_pairs(options["options"])}
            )
        answer = self.post(f"{base}/interactions?{urlencode({'wait': options['wait']})}", interaction)
        if not answer["responses"]:
            raise CommandError(
                f"the bot did not answer within {options['wait']:g} seconds "
                "(is `manage.py runbot` running against the emulator?)"
            )
        if options["json"]:
            return self.write_json(answer)
        self.stdout.write("\n".join(describe_answer(answer, options["wait"])))
        return None

    def acting_user(self, options) -> int:
        if options["admin"]:
            return DEMO_ADMIN
        if options["moderator"]:
            return DEMO_MODERATOR
        given = (options["user"] or "").strip().lstrip("@")
        if not given:
            return DEMO_MEMBER
        if given.isdigit():
            return int(given)
        if given.lower() in DEMO_USERS:
            return DEMO_USERS[given.lower()]
        raise CommandError(f"--user {given!r}: give a user id or one of: {', '.join(DEMO_USERS)}")

    def channel_id(self, value: str) -> int:
        name = str(value).lstrip("#")
        if name in DEMO_CHANNELS:
            return DEMO_CHANNELS[name]
        if name.isdigit():
            return int(name)
        raise CommandError(f"--channel {value!r}: give a channel id or one of: {', '.join(DEMO_CHANNELS)}")

    def list_messages(self, base: str, options) -> None:
        channel = self.channel_id(options["target"] or options["channel"])
        messages = self.get(f"{base}/channels/{channel}/messages")
        if options["json"]:
            return self.write_json(messages)
        if not messages:
            self.stdout.write(f"(no messages in channel {channel})")
        for message in messages:
            author = (message.get("author") or {}).get("username", "?")
            self.stdout.write(f"--- message {message['id']} by {author} at {message.get('timestamp', '')[:19]}")
            self.stdout.write("\n".join(describe_message(message)))
        return None

    def wait_for_emulator(self, base: str, wait: float) -> None:
        import time

        deadline = time.monotonic() + wait
        while True:
            try:
                with urllib.request.urlopen(f"{base}/status", timeout=2):
                    self.stdout.write(f"emulator is up at {base.removesuffix('/_emulator')}")
                    return
            except (urllib.error.URLError, OSError):
                if time.monotonic() >= deadline:
                    raise CommandError(f"no emulator answered at {base} within {wait:g} seconds") from None
                time.sleep(0.2)

    def write_json(self, value) -> None:
        self.stdout.write(json.dumps(value, indent=2, ensure_ascii=False))

    def get(self, url: str):
        return self._request(urllib.request.Request(url))

    def post(self, url: str, body: dict):
        return self._request(
            urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        )

    def _request(self, request: urllib.request.Request):
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                reason = json.loads(exc.read()).get("error") or exc.reason
            except ValueError:
                reason = exc.reason
            raise CommandError(f"the emulator refused it: {reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CommandError(
                f"no emulator at {request.full_url} ({reason}): start it with `manage.py discord_emulator` "
                "(or `make sandbox`)"
            ) from None

    def serve(self, options) -> None:
        emu = DiscordEmulator(
            token=options["token"], application_id=DEFAULT_APPLICATION_ID, port=options["port"], control=True
        )
        seed_demo_guild(emu)
        try:
            emu.start()
        except RuntimeError as exc:
            raise CommandError(f"cannot serve on 127.0.0.1:{options['port']}: {exc.__cause__}") from None
        environment = {
            "DISCORD_TOKEN": emu.token,
            "DISCORD_APPLICATION_ID": emu.application_id,
            "DISCORD_API_BASE": emu.api_base,
            "DISCORD_GATEWAY_URL": emu.gateway_url,
        }
        if not os.environ.get("SECRET_KEY", "").strip():
            # The bot refuses to start without a SECRET_KEY unless DEBUG is on (a local sandbox).
            environment["DEBUG"] = "true"
        assignments = " ".join(f"{name}={value}" for name, value in environment.items())
        self.stdout.write(f"Discord emulator on {emu.url} (REST {emu.api_base}, gateway {emu.gateway_url})")
        if options["sandbox"]:
            self.stdout.write("The sandbox starts the bot, the worker and beat with its environment (var/sandbox.env).")
        else:
            self.stdout.write("Run the bot against it (in another terminal):")
            self.stdout.write(f"  {assignments} {sys.executable} manage.py runbot")
        self.stdout.write(
            f"Then: {sys.executable} manage.py discord_emulator send /whoami   "
            "(or: click CUSTOM_ID, submit CUSTOM_ID field=value, messages CHANNEL, say '!ping')"
        )
        self.stdout.flush()
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        stop.wait()
        emu.stop()
        self.stdout.write("emulator stopped")
