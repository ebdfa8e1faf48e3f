"""The one domain error type, and the one shape every API error has.

Services raise `ApplicationError` with a user-facing message when they refuse; the API answers it
with 400 and the bot with an ephemeral reply carrying the same message.

Every API error body looks like
    {"detail": "<one sentence for a person>", "code": "<machine code>", "fields": {"<field>": ["<message>", ...]}}
with `fields` empty when the error is not about particular fields.
"""

from __future__ import annotations

import logging
import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger("guildhall.api")


class ApplicationError(Exception):
    """A service refused: `message` is for the user; `field` names the input at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.extra = extra or {}

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
    if isinstance(exc, ApplicationError):
        return Response(
            {"detail": exc.message, "code": exc.code, "fields": exc.field_errors(), **exc.extra},
            status=status.HTTP_400_BAD_REQUEST,
        )
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
        body = {"detail": "Some fields are not valid.", "code": "invalid", "fields": fields}
        if list(fields) == ["non_field_errors"]:
            body["detail"] = fields["non_field_errors"][0]
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"detail": str(detail), "code": str(code), "fields": {}}
    response.data = body
    return response
