"""Discord's JSON error answers: :class:`APIError` (raised by the state and the REST routes, turned
into Discord's error body by the router) and the helpers that build the usual ones: "Invalid Form
Body" with its nested ``errors``, "Unknown <thing>", and checks of snowflake and integer arguments."""

from __future__ import annotations

from typing import Any


class APIError(Exception):
    """An error answer: raised by route handlers, turned into Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def form_error(field: str, message: str, code: str = "BASE_TYPE_BAD_VALUE") -> APIError:
    """Discord's 400 "Invalid Form Body" with a nested ``errors`` object for ``field`` (dotted)."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(field.split(".")):
        errors = {part: errors}
    return APIError(400, 50035, "Invalid Form Body", errors)


def unknown(what: str, code: int) -> APIError:
    return APIError(404, code, f"Unknown {what}")


def snowflake_arg(value: Any, field: str) -> str:
    text = str(value) if isinstance(value, int | str) else ""
    if not text.isdigit():
        raise form_error(field, f'Value "{value}" is not snowflake.', "NUMBER_TYPE_COERCE")
    return text


def int_arg(value: str | None, field: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise form_error(field, "Value is not int.", "NUMBER_TYPE_COERCE") from None
    if not low <= number <= high:
        raise form_error(field, f"Int value should be between {low} and {high}.", "NUMBER_TYPE_MAX")
    return number
