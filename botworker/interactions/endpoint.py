"""The HTTP interactions endpoint: Discord POSTs every interaction here when the application's
Interactions Endpoint URL points at `/discord/interactions/` (no gateway connection needed).

Every request is verified as Discord's: Ed25519 over timestamp + body with the application's key.
"""

from __future__ import annotations

import json
import logging
import re
import time
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from botworker.interactions.handling import InvalidInteraction, handle_interaction

logger = logging.getLogger("guildhall.interactions")

MAX_CLOCK_SKEW_SECONDS = 300
TIMESTAMP = re.compile(r"[0-9]{1,12}")
# Discord's interaction payloads nest a few levels (a message's components, resolved data); a
# body nested deeper than this is not Discord's.
MAX_JSON_DEPTH = 32


class SignatureError(Exception):
    """The request is not signed by the application's key, or is too old or too new (a replay)."""


@lru_cache(maxsize=4)
def _verify_key(public_key_hex: str) -> VerifyKey:
    return VerifyKey(bytes.fromhex(public_key_hex))


def verify_request(
    *, public_key_hex: str, signature_hex: str | None, timestamp: str | None, body: bytes, now: float | None = None
) -> None:
    """Raise SignatureError unless `signature_hex` signs `timestamp + body` with the key and the
    timestamp is within five minutes of now."""
    if not signature_hex or not timestamp:
        raise SignatureError("missing signature headers")
    # Unix seconds: ten digits until the year 2286. Anything longer is not a time (and 400
    # digits would overflow the float comparison below).
    if not TIMESTAMP.fullmatch(timestamp):
        raise SignatureError("timestamp is not a number")
    sent_at = int(timestamp)
    current = time.time() if now is None else now
    if abs(current - sent_at) > MAX_CLOCK_SKEW_SECONDS:
        raise SignatureError("timestamp is more than five minutes from now")
    try:
        signature = bytes.fromhex(signature_hex)
        _verify_key(public_key_hex).verify(timestamp.encode() + body, signature)
    except (ValueError, BadSignatureError) as exc:
        raise SignatureError("bad signature") from exc


@csrf_exempt
@require_POST
def interactions_endpoint(request: HttpRequest) -> JsonResponse:
    """401 unless signed by DISCORD_PUBLIC_KEY within five minutes; 400 for a body that is not
    a valid interaction; otherwise the interaction's callback body (PONG for PING)."""
    public_key = settings.DISCORD_PUBLIC_KEY
    if not public_key:
        logger.error("interaction refused: DISCORD_PUBLIC_KEY is not set")
        return JsonResponse({"error": "this endpoint is not configured"}, status=503)
    try:
        verify_request(
            public_key_hex=public_key,
            # META rather than request.headers, which builds a dict of every header first.
            signature_hex=request.META.get("HTTP_X_SIGNATURE_ED25519"),
            timestamp=request.META.get("HTTP_X_SIGNATURE_TIMESTAMP"),
            body=request.body,
        )
    except SignatureError as exc:
        logger.warning("interaction refused: %s", exc)
        return JsonResponse({"error": "invalid request signature"}, status=401)
    try:
        payload = read_json(request.body)
        return JsonResponse(handle_interaction(payload))
    except InvalidInteraction as exc:
        logger.warning("interaction refused: not a valid interaction: %s", exc)
        return JsonResponse({"error": f"not a valid interaction: {exc}"}, status=400)


def _refuse_constant(name: str):
    raise InvalidInteraction(f"{name} is not JSON")


def read_json(body: bytes) -> object:
    """The body as JSON, strictly: UTF-8, no NaN or Infinity (not JSON, and not storable),
    nested at most MAX_JSON_DEPTH levels. InvalidInteraction otherwise."""
    try:
        text = body.decode("utf-8")
        payload = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidInteraction("the body is nested too deeply") from None
    except ValueError as exc:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
        if isinstance(exc, InvalidInteraction):
            raise
        raise InvalidInteraction(f"the body is not JSON: {exc}"[:200]) from None
    # Nesting needs an opening bracket per level: with few of them (an ordinary interaction has
    # a handful) the body cannot be too deep, and the walk below is skipped.
    if body.count(b"{") + body.count(b"[") <= MAX_JSON_DEPTH:
        return payload
    pending = [(payload, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidInteraction("the body is nested too deeply")
        if isinstance(value, dict):
            pending.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            pending.extend((child, depth + 1) for child in value)
    return payload
