"""The one domain error type, and the one shape every API error has.

Services raise `ApplicationError` with a user-facing message when they refuse; the API answers it
with 400 and the bot with an ephemeral reply carrying the same message.

Every API error body looks like
    {"detail": "<one sentence for a person>", "code": "<machine code>", "fields": {"<field>": ["<message>", ...]}}
with `fields` empty when the error is not about particular fields.
"""

from __future__ import annotations

import logging
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404

# DRF is imported inside api_exception_handler, not here: the settings module imports this one
# (through the time layer, to check TIME_ZONE), and importing rest_framework.views while the
# settings are loading would freeze DRF's settings before REST_FRAMEWORK exists.

logger = logging.getLogger("guildhall.api")


@dataclass(frozen=True)
class UserRef:
    """A Discord user named in a message (Discord shows a mention, the API the plain id)."""

    id: int


@dataclass(frozen=True)
class ChannelRef:
    """A Discord channel named in a message."""

    id: int


@dataclass(frozen=True)
class RoleRef:
    """A Discord role named in a message."""

    id: int


class _Plain:
    """How a typed parameter reads in plain text (API bodies, logs, the admin): instants in ISO
    8601 UTC, users, channels and roles by id. A format spec of a time (the Discord styles F, R,
    FR …) is ignored here."""

    def __init__(self, value):
        self.value = value

    def __format__(self, spec: str) -> str:
        value = self.value
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if isinstance(value, UserRef):
            return f"user {value.id}"
        if isinstance(value, ChannelRef):
            return f"channel {value.id}"
        if isinstance(value, RoleRef):
            return f"role {value.id}"
        return format(value, spec)


class _TemplateFormatter(string.Formatter):
    """``str.format`` whose ``!r``/``!s``/``!a`` convert the presented text, not the wrapper
    object (whose repr would be ``<…object at 0x…>``)."""

    def convert_field(self, value, conversion):
        if conversion is None:
            return value
        return super().convert_field(format(value, ""), conversion)


class ApplicationError(Exception):
    """A service refused. `template` is a message for people with ``{name}`` fields filled from
    `params`; typed parameters stay typed (an instant is an aware datetime, a member a
    :class:`UserRef`, a channel a :class:`ChannelRef`) so each surface renders them its way:
    :attr:`message` is plain text (the API's `detail`), and the Discord layer renders the same
    template with timestamps and mentions through :meth:`render`. `field` names the input at
    fault, if one is."""

    def __init__(
        self,
        template: str,
        *,
        params: dict | None = None,
        field: str | None = None,
        code: str = "invalid",
        extra: dict | None = None,
    ):
        self.template = template
        self.params = dict(params or {})
        self.field = field
        self.code = code
        self.extra = extra or {}
        super().__init__(self.message)

    def render(self, present: Callable[[object], object]) -> str:
        """The message with each parameter passed through `present` (which returns an object
        whose ``__format__`` produces the surface's text). A conversion in the template
        (``{zone!r}``) applies to that text, as ``str.format`` would to the value."""
        if not self.params:
            return self.template
        return _TemplateFormatter().vformat(
            self.template, (), {name: present(value) for name, value in self.params.items()}
        )

    @property
    def message(self) -> str:
        return self.render(_Plain)

    def api_params(self) -> dict:
        """The parameters as JSON: instants in ISO 8601, ids as strings."""
        out = {}
        for name, value in self.params.items():
            if isinstance(value, datetime):
                out[name] = format(_Plain(value), "")
            elif isinstance(value, UserRef | ChannelRef | RoleRef):
                out[name] = str(value.id)
            elif isinstance(value, str | int | float | bool) or value is None:
                out[name] = value
            else:
                out[name] = str(value)
        return out

    def field_errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}


def new_reference() -> str:
    """A short id a user can quote and an operator can find in the log."""
    return uuid.uuid4().hex[:10].upper()


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub_key, messages in _flatten(value).items():
                    out[f"{key}.{sub_key}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, item in enumerate(value):
                    for sub_key, messages in _flatten(item).items():
                        out[f"{key}[{index}].{sub_key}"] = messages
            else:
                out[str(key)] = [str(m) for m in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def api_exception_handler(exc, context):
    """DRF exception handler: every error gets the same JSON shape, and nothing leaks a traceback."""
    from rest_framework import exceptions, status
    from rest_framework.response import Response
    from rest_framework.views import exception_handler

    if isinstance(exc, ApplicationError):
        # A service refusing who acts is a 403, as DRF answers its own permission checks.
        refused = exc.code == "permission_denied"
        return Response(
            {"detail": exc.message, "code": exc.code, "fields": exc.field_errors(), **exc.extra},
            status=status.HTTP_403_FORBIDDEN if refused else status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail=detail)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        reference = new_reference()
        logger.exception("unhandled API error reference=%s", reference)
        return Response(
            {
                "detail": f"Something went wrong on our side (reference {reference}).",
                "code": "server_error",
                "fields": {},
            },
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if "__all__" in fields:  # Django's name for errors not about one field
            fields["non_field_errors"] = fields.pop("__all__")
        body = {"detail": "Some fields are not valid.", "code": "invalid", "fields": fields}
        if list(fields) == ["non_field_errors"]:
            body["detail"] = fields["non_field_errors"][0]
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"detail": str(detail), "code": str(code), "fields": {}}
    response.data = body
    return response
