"""HTTP plumbing of the emulated REST API: the parsed request handed to route handlers, reading
JSON and multipart (``payload_json`` + files) bodies, and JSON answers with the exact
``application/json`` content type discord.py requires (it only decodes JSON when the header is
exactly that)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from botworker.emulator.errors import APIError

NOT_FOUND = {"message": "404: Not Found", "code": 0}


@dataclasses.dataclass
class Upload:
    """A file sent in a multipart body."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclasses.dataclass
class Request:
    """What a route handler sees of a request (path without ``/api/v10``; ``json`` is its own copy)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[Upload]

    def body(self) -> dict[str, Any]:
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise APIError(400, 50035, "Invalid Form Body")
        return self.json


def truthy(value: str | None) -> bool:
    """A query flag as Discord reads it (``?wait=true``, ``?with_response=1``)."""
    return value is not None and value.lower() in ("1", "true")


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> web.Response:
    """A response with the exact ``application/json`` content type discord.py requires."""
    if status == 204 or payload is None:
        return web.Response(status=status, headers=headers)
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(payload).encode(), headers=all_headers)


async def read_body(request: web.Request) -> tuple[Any, list[Upload], APIError | None]:
    """Parse a JSON or multipart (``payload_json`` + files) body; never raises."""
    uploads: list[Upload] = []
    try:
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            fields: dict[str, str] = {}
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                data = await part.read(decode=True)  # type: ignore[union-attr]
                name = part.name or ""
                if name == "payload_json":
                    payload = json.loads(data)
                elif part.filename is not None:
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    uploads.append(Upload(name, part.filename, content_type, bytes(data)))
                else:
                    fields[name] = data.decode()
            return (payload if payload is not None else fields or None), uploads, None
        raw = await request.read()
        if not raw:
            return None, uploads, None
        if request.content_type == "application/json":
            return json.loads(raw), uploads, None
        return None, uploads, None
    except (ValueError, UnicodeDecodeError):
        return None, uploads, APIError(400, 50109, "The request body contains invalid JSON.")


def id_param(name: str) -> str:
    """A path segment matching a snowflake, captured as the handler argument ``name``."""
    return rf"(?P<{name}>\d+)"


CHANNEL_ID = id_param("channel_id")
MESSAGE_ID = id_param("message_id")
GUILD_ID = id_param("guild_id")
USER_ID = id_param("user_id")
ROLE_ID = id_param("role_id")
APPLICATION_ID = id_param("application_id")
INTERACTION_ID = id_param("interaction_id")

# A route: method, path regex (without /api/v10), handler(emulator, request, **path groups) -> (status, payload),
# and whether it needs the bot's Authorization header.
Handler = Callable[..., tuple[int, Any]]
Route = tuple[str, str, Handler, bool]
