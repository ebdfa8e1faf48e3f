"""The interaction router: one registry of slash commands, component `custom_id` prefixes and
modals, and one dispatcher that both transports (the gateway bot and the HTTP endpoint) use.

A handler receives a transport-neutral :class:`Invocation` and returns a :class:`Reply`. It
translates: Discord input in, one service call, a reply out. Permission level, guild scope and
the guild's configuration are checked here, before the handler runs; ids inside a custom_id are
untrusted and are re-checked by the service the handler calls.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

from botworker.interactions import limits
from botworker.interactions.replies import Choice, Reply
from botworker.models import GuildConfig, PermissionLevel
from botworker.presenters.text import error_text
from config.exceptions import ApplicationError, new_reference
from config.snowflakes import as_snowflake

logger = logging.getLogger("guildhall.interactions")


class InteractionType(IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class OptionType(IntEnum):
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10


SNOWFLAKE_OPTIONS = {OptionType.USER, OptionType.CHANNEL, OptionType.ROLE, OptionType.MENTIONABLE}
# Discord's INTEGER and NUMBER options lie between -2^53 and 2^53.
NUMBER_LIMIT = 1 << 53
# Characters PostgreSQL cannot store in text or JSON (NUL, lone surrogates): a reply that echoed
# one could not be recorded.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

# Messages users see; tests assert them.
UNKNOWN_COMMAND = "I don't know the command `/{name}`. An admin can refresh the bot's commands with /sync_commands."
UNKNOWN_COMPONENT = "This button or menu is no longer supported. Run the command again for a fresh one."
MALFORMED_COMPONENT = "This button or menu carries data I can't read. Run the command again for a fresh one."
NEEDS_GUILD = "This command only works in a server, not in direct messages."
NEEDS_CONFIG = (
    "This server is not set up for Guildhall yet. A server admin can set it up in the back office "
    "(Discord → Guild configurations) or with `python manage.py configure_guild {guild_id} --mod-role ROLE_ID "
    "--admin-role ROLE_ID --channel shifts=CHANNEL_ID`."
)
NEEDS_LEVEL = "Only {level}s can use this."
BAD_OPTION = "`{name}`: {problem}"
NOT_ALLOWED_CHARACTER = "contains a character that is not allowed."
BAD_SELECTION = "A selected value contains a character that is not allowed."
CRASHED = "Something went wrong on our side (reference {reference}). Please try again; if it keeps happening, tell an admin the reference."


@dataclass(frozen=True)
class Option:
    """A slash-command option. `choices` may be Choice objects; `autocomplete` needs a handler
    registered with :meth:`Router.autocomplete`."""

    name: str
    description: str
    type: OptionType = OptionType.STRING
    required: bool = False
    choices: tuple[Choice, ...] = ()
    autocomplete: bool = False
    min_value: float | None = None
    max_value: float | None = None
    min_length: int | None = None
    max_length: int | None = None

    def as_json(self) -> dict:
        data: dict[str, Any] = {
            "type": int(self.type),
            "name": self.name,
            "description": self.description,
            "required": self.required,
        }
        if self.choices:
            data["choices"] = [choice.as_json() for choice in self.choices]
        if self.autocomplete:
            data["autocomplete"] = True
        for key in ("min_value", "max_value", "min_length", "max_length"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def coerce(self, raw: Any) -> Any:
        """The option's value as Python, checked against its declaration; ApplicationError when
        it does not fit (Discord checks too, but a payload is input like any other)."""
        problem = None
        value = _option_value(self.type, raw)
        if value is None:
            raise ApplicationError(BAD_OPTION.format(name=self.name, problem="not a valid value."), field=self.name)
        if isinstance(value, str) and UNSTORABLE.search(value):
            raise ApplicationError(BAD_OPTION.format(name=self.name, problem=NOT_ALLOWED_CHARACTER), field=self.name)
        if self.choices and value not in {choice.value for choice in self.choices}:
            problem = "pick one of the offered choices."
        elif self.min_value is not None and value < self.min_value:
            problem = f"must be at least {self.min_value:g}."
        elif self.max_value is not None and value > self.max_value:
            problem = f"must be at most {self.max_value:g}."
        elif self.min_length is not None and len(value) < self.min_length:
            problem = f"must be at least {self.min_length} characters."
        elif self.max_length is not None and len(value) > self.max_length:
            problem = f"must be at most {self.max_length} characters."
        if problem:
            raise ApplicationError(BAD_OPTION.format(name=self.name, problem=problem), field=self.name)
        return value


def _option_value(kind: OptionType, raw: Any) -> Any:
    """An option's raw JSON value as the Python value its type declares, or None when it is not
    one. Integers and numbers are finite and within Discord's range (±2^53); ids are snowflakes."""
    if isinstance(raw, bool):
        return raw if kind == OptionType.BOOLEAN else None
    if kind in SNOWFLAKE_OPTIONS:
        return as_snowflake(raw)
    if kind == OptionType.INTEGER:
        if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
            raw = int(raw)
        return raw if isinstance(raw, int) and abs(raw) <= NUMBER_LIMIT else None
    if kind == OptionType.NUMBER:
        if isinstance(raw, str):
            return None
        number = float(raw) if isinstance(raw, int) and abs(raw) <= NUMBER_LIMIT else raw
        return number if isinstance(number, float) and math.isfinite(number) and abs(number) <= NUMBER_LIMIT else None
    if kind == OptionType.BOOLEAN:
        return None
    return raw if isinstance(raw, str) else None


@dataclass(frozen=True)
class Invocation:
    """A transport-neutral view of one interaction, as a handler sees it."""

    interaction_id: int
    application_id: str
    token: str
    type: InteractionType
    user_id: int
    guild_id: int | None = None
    channel_id: int | None = None
    role_ids: frozenset[int] = frozenset()
    permissions: int = 0
    level: PermissionLevel = PermissionLevel.MEMBER
    locale: str = "en-US"
    guild: GuildConfig | None = None
    command: str = ""  # "name", "name sub" or "name group sub"
    options: dict[str, Any] = field(default_factory=dict)
    focused: str | None = None  # autocomplete: the option being typed
    custom_id: str = ""
    action: str = ""
    target: str = ""  # what follows "action:" in a custom_id
    values: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    message_id: int | None = None
    resolved: dict = field(default_factory=dict)

    @property
    def target_id(self) -> int:
        """The custom_id's id part as an integer (validated by the router for int-id components)."""
        return int(self.target)


Handler = Callable[[Invocation], Reply]


@dataclass
class HandlerSpec:
    handler: Handler
    level: PermissionLevel = PermissionLevel.MEMBER
    needs_config: bool = False
    guild_only: bool = False
    deferred: bool = False
    ephemeral_defer: bool = True
    # A deferred handler that calls Discord itself runs with no transaction open (network I/O
    # never waits inside one); it must be idempotent, since a worker that dies mid-run leaves it
    # to run again. See botworker.interactions.handling.run_deferred.
    calls_discord: bool = False
    # Deferred only for some invocations (e.g. an option that makes the handler call Discord):
    # a predicate on the invocation; the others are answered at once.
    defer_when: Callable[[Invocation], bool] | None = None
    # A component whose deferred answer edits the message it is on (DEFERRED_UPDATE_MESSAGE, then
    # the follow-up edit, which may carry files) instead of a new "thinking…" message.
    defer_update: bool = False

    def defers(self, invocation: Invocation) -> bool:
        return self.deferred or (self.defer_when is not None and bool(self.defer_when(invocation)))


@dataclass
class CommandSpec(HandlerSpec):
    path: str = ""
    description: str = ""
    options: tuple[Option, ...] = ()


@dataclass
class ComponentSpec(HandlerSpec):
    action: str = ""
    target_pattern: re.Pattern = re.compile(r"\d{1,20}")


CUSTOM_ID_RE = re.compile(r"(?P<action>[a-z][a-z0-9_]{0,39})(?::(?P<target>[^\s]{1,59}))?")
INT_TARGET = re.compile(r"[1-9]\d{0,19}")


class Router:
    """The registry. Decorators register handlers; :meth:`dispatch` runs one invocation."""

    def __init__(self) -> None:
        self.commands: dict[str, CommandSpec] = {}
        self.groups: dict[str, str] = {}  # command or group name → description
        self.components: dict[str, ComponentSpec] = {}
        self.modals: dict[str, ComponentSpec] = {}
        self.autocompleters: dict[tuple[str, str], Callable[[Invocation], list[Choice]]] = {}

    # --- registration -------------------------------------------------------------------------

    def group(self, path: str, description: str) -> None:
        """Describe a top-level command that only has subcommands, or a subcommand group."""
        self.groups[path] = description

    def command(
        self,
        path: str,
        *,
        description: str,
        options: tuple[Option, ...] | list[Option] = (),
        level: PermissionLevel = PermissionLevel.MEMBER,
        needs_config: bool = False,
        guild_only: bool = False,
        deferred: bool = False,
        ephemeral_defer: bool = True,
        calls_discord: bool = False,
        defer_when: Callable[[Invocation], bool] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register a slash command; `path` is "name", "name sub" or "name group sub".

        `calls_discord` (deferred handlers only) runs the handler outside any transaction.
        `defer_when` defers only the invocations it is true for (the rest are answered at once)."""
        if calls_discord and not (deferred or defer_when):
            raise ValueError(f"command /{path}: only a deferred handler may call Discord itself")

        def register(handler: Handler) -> Handler:
            if path in self.commands:
                raise ValueError(f"command /{path} is registered twice")
            self.commands[path] = CommandSpec(
                handler=handler,
                path=path,
                description=description,
                options=tuple(options),
                level=level,
                needs_config=needs_config,
                guild_only=guild_only or needs_config,
                deferred=deferred,
                ephemeral_defer=ephemeral_defer,
                calls_discord=calls_discord,
                defer_when=defer_when,
            )
            return handler

        return register

    def component(self, action: str, *, target: str = "int", **spec: Any) -> Callable[[Handler], Handler]:
        """Register a button or select handler for custom_ids `action:<target>`. `target` is
        "int" (a positive id), "none" (no target) or a regular expression."""
        return self._register_component(self.components, action, target, spec)

    def modal(self, action: str, *, target: str = "int", **spec: Any) -> Callable[[Handler], Handler]:
        """Register a modal-submit handler for custom_ids `action:<target>`."""
        return self._register_component(self.modals, action, target, spec)

    def autocomplete(self, path: str, option: str) -> Callable:
        def register(fn):
            self.autocompleters[(path, option)] = fn
            return fn

        return register

    def _register_component(self, table: dict, action: str, target: str, spec: dict) -> Callable[[Handler], Handler]:
        pattern = {"int": INT_TARGET, "none": re.compile("")}.get(target) or re.compile(target)

        def register(handler: Handler) -> Handler:
            if action in table:
                raise ValueError(f"custom_id action {action!r} is registered twice")
            if spec.get("needs_config"):
                spec.setdefault("guild_only", True)
            table[action] = ComponentSpec(handler=handler, action=action, target_pattern=pattern, **spec)
            return handler

        return register

    # --- dispatch -----------------------------------------------------------------------------

    def find(self, invocation: Invocation) -> HandlerSpec | Reply:
        """The spec that handles this invocation, or the refusal to send instead."""
        if invocation.type in (InteractionType.APPLICATION_COMMAND, InteractionType.AUTOCOMPLETE):
            spec = self.commands.get(invocation.command)
            if spec is None:
                return Reply.error(UNKNOWN_COMMAND.format(name=invocation.command))
            return spec
        table = self.components if invocation.type == InteractionType.MESSAGE_COMPONENT else self.modals
        if not invocation.action:
            return Reply.error(MALFORMED_COMPONENT)
        spec = table.get(invocation.action)
        if spec is None:
            return Reply.error(UNKNOWN_COMPONENT)
        if not spec.target_pattern.fullmatch(invocation.target):
            return Reply.error(MALFORMED_COMPONENT)
        return spec

    def check_access(self, spec: HandlerSpec, invocation: Invocation) -> Reply | None:
        if spec.guild_only and invocation.guild_id is None:
            return Reply.error(NEEDS_GUILD)
        if spec.needs_config and invocation.guild is None:
            return Reply.error(NEEDS_CONFIG.format(guild_id=invocation.guild_id))
        if invocation.level < spec.level:
            return Reply.error(NEEDS_LEVEL.format(level=PermissionLevel(spec.level).label))
        return None

    def dispatch(self, invocation: Invocation, *, run_deferred: bool = False) -> Reply:
        """Run the handler for `invocation` and return its reply; never raises.

        A domain refusal becomes an ephemeral reply with its message; any other exception an
        ephemeral reply with a reference that is also in the log; both are marked
        ``handler_failed``, so the caller rolls back what the handler wrote before raising. A deferred handler answers
        "deferred" unless `run_deferred` (the follow-up task runs it for real)."""
        found = self.find(invocation)
        if isinstance(found, Reply):
            return found
        refusal = self.check_access(found, invocation)
        if refusal is not None:
            return refusal
        if invocation.type == InteractionType.AUTOCOMPLETE:
            return self._autocomplete(invocation)
        if not run_deferred and found.defers(invocation):
            return Reply(deferred=True, ephemeral=found.ephemeral_defer, update=found.defer_update)
        try:
            command_spec = found if isinstance(found, CommandSpec) else None
            if command_spec is not None:
                invocation = _with_coerced_options(invocation, command_spec)
            else:
                _check_typed_text(invocation)
            reply = found.handler(invocation)
        except ApplicationError as refusal_error:
            return replace(Reply.error(error_text(refusal_error)), handler_failed=True)
        except Exception:
            reference = new_reference()
            logger.exception("interaction handler crashed reference=%s", reference)
            return replace(Reply.error(CRASHED.format(reference=reference)), handler_failed=True)
        if not isinstance(reply, Reply):
            reference = new_reference()
            logger.error("handler returned %r instead of a Reply reference=%s", type(reply).__name__, reference)
            return replace(Reply.error(CRASHED.format(reference=reference)), handler_failed=True)
        return reply

    def _autocomplete(self, invocation: Invocation) -> Reply:
        completer = self.autocompleters.get((invocation.command, invocation.focused or ""))
        if completer is None:
            return Reply(choices=[])
        try:
            choices = completer(invocation)
        except Exception:
            # Autocomplete answers suggestions; failing to suggest must not show an error.
            logger.exception("autocomplete crashed for /%s %s", invocation.command, invocation.focused)
            choices = []
        return Reply(choices=list(choices)[: limits.AUTOCOMPLETE_CHOICES])

    # --- registration JSON --------------------------------------------------------------------

    def application_commands(self) -> list[dict]:
        """The application-command JSON for bulk overwrite, built from the registry."""
        tops: dict[str, dict] = {}
        for path in sorted(self.commands):
            spec = self.commands[path]
            parts = path.split()
            top = tops.setdefault(
                parts[0],
                {
                    "name": parts[0],
                    "type": 1,
                    "description": self.groups.get(parts[0], spec.description if len(parts) == 1 else parts[0]),
                    "options": [],
                    "contexts": [0, 1, 2],
                    "integration_types": [0],
                },
            )
            # A command is usable in DMs only when every one of its subcommands is.
            if spec.guild_only:
                top["contexts"] = [0]
            leaf = {"description": limits.clip(spec.description, 100), "options": [o.as_json() for o in spec.options]}
            if len(parts) == 1:
                top.update(leaf)
                continue
            parent = top
            if len(parts) == 3:
                group_name = parts[1]
                parent = next((o for o in top["options"] if o["name"] == group_name), None)
                if parent is None:
                    parent = {
                        "type": int(OptionType.SUB_COMMAND_GROUP),
                        "name": group_name,
                        "description": self.groups.get(f"{parts[0]} {group_name}", group_name),
                        "options": [],
                    }
                    top["options"].append(parent)
            parent["options"].append({"type": int(OptionType.SUB_COMMAND), "name": parts[-1], **leaf})
        return [tops[name] for name in sorted(tops)]


def _check_typed_text(invocation: Invocation) -> None:
    """Refuse select values and text inputs holding a character that cannot be stored."""
    if any(UNSTORABLE.search(value) for value in invocation.values):
        raise ApplicationError(BAD_SELECTION)
    for name, value in invocation.fields.items():
        if UNSTORABLE.search(value):
            raise ApplicationError(BAD_OPTION.format(name=name, problem=NOT_ALLOWED_CHARACTER), field=name)


def _with_coerced_options(invocation: Invocation, spec: CommandSpec) -> Invocation:
    declared = {option.name: option for option in spec.options}
    unknown = set(invocation.options) - set(declared)
    if unknown:
        name = sorted(unknown)[0]
        raise ApplicationError(BAD_OPTION.format(name=name, problem="this command has no such option."), field=name)
    values = {}
    for name, option in declared.items():
        if name in invocation.options and invocation.options[name] is not None:
            values[name] = option.coerce(invocation.options[name])
        elif option.required:
            raise ApplicationError(BAD_OPTION.format(name=name, problem="is required."), field=name)
    return replace(invocation, options=values)


router = Router()
