"""What a handler answers: a :class:`Reply` (a message, a modal, autocomplete choices or a
deferral) and the component helpers that build its buttons and menus. Plain data: the renderer
(:mod:`botworker.interactions.render`) turns it into Discord's JSON within Discord's limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botworker.interactions import limits


@dataclass(frozen=True)
class Choice:
    name: str
    value: str | int | float

    def as_json(self) -> dict:
        return {"name": limits.clip(self.name, limits.CHOICE_NAME), "value": self.value}


@dataclass
class TextInput:
    custom_id: str
    label: str
    style: int = 1  # 1 short, 2 paragraph
    value: str | None = None
    placeholder: str | None = None
    required: bool = True
    min_length: int | None = None
    max_length: int | None = None


@dataclass
class Modal:
    custom_id: str
    title: str
    inputs: list[TextInput] = field(default_factory=list)


@dataclass(frozen=True)
class ReplyFile:
    """A file attached to a reply (for example a PNG chart). Only a deferred handler's answer can
    carry files: they are uploaded with the edit that replaces the "thinking…" response."""

    filename: str
    data: bytes
    description: str = ""


@dataclass
class Reply:
    """What a handler answers. At most one of `modal`, `choices` and `deferred` applies;
    otherwise it is a message (new, or `update` of the message the component was on)."""

    content: str = ""
    embeds: list[dict] = field(default_factory=list)
    components: list[list[dict]] = field(default_factory=list)  # rows of components
    ephemeral: bool = False
    update: bool = False
    modal: Modal | None = None
    deferred: bool = False
    choices: list[Choice] | None = None
    allowed_mentions: dict | None = None
    files: list[ReplyFile] = field(default_factory=list)  # deferred answers only (see ReplyFile)
    # Set by the router, not by handlers: the handler raised (a refusal or a crash), so what it
    # wrote before raising is rolled back and only this answer is recorded.
    handler_failed: bool = False

    @classmethod
    def error(cls, message: str) -> Reply:
        return cls(content=message, ephemeral=True)


def button(label: str, custom_id: str, *, style: int = 1, disabled: bool = False, emoji: str | None = None) -> dict:
    """A button component (style 1 primary, 2 secondary, 3 success, 4 danger)."""
    data: dict[str, Any] = {"type": 2, "style": style, "label": label, "custom_id": custom_id, "disabled": disabled}
    if emoji:
        data["emoji"] = {"name": emoji}
    return data


def link_button(label: str, url: str) -> dict:
    return {"type": 2, "style": 5, "label": label, "url": url}


def string_select(
    custom_id: str, options: list[dict], *, placeholder: str = "", min_values: int = 1, max_values: int = 1
) -> dict:
    return {
        "type": 3,
        "custom_id": custom_id,
        "options": options,
        "placeholder": placeholder,
        "min_values": min_values,
        "max_values": max_values,
    }
