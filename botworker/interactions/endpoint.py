"""The HTTP interactions endpoint: Discord POSTs every interaction here when the application's
Interactions Endpoint URL points at `/discord/interactions/` (no gateway connection needed).

Every request is verified as Discord's: Ed25519 over timestamp + body with the application's key.
"""

from __future__ import annotations

import json
import logging
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
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("timestamp is not a number") from None
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
            signature_hex=request.headers.get("X-Signature-Ed25519"),
            timestamp=request.headers.get("X-Signature-Timestamp"),
            body=request.body,
        )
    except SignatureError as exc:
        logger.warning("interaction refused: %s", exc)
        return JsonResponse({"error": "invalid request signature"}, status=401)
    try:
        payload = json.loads(request.body)
        return JsonResponse(handle_interaction(payload))
    except (ValueError, InvalidInteraction) as exc:  # json.JSONDecodeError is a ValueError
        logger.warning("interaction refused: not a valid interaction: %s", exc)
        return JsonResponse({"error": f"not a valid interaction: {exc}"}, status=400)
