"""The HTTP interactions endpoint: Discord POSTs every interaction here when the application's
Interactions Endpoint URL points at `/discord/interactions/` (no gateway connection needed)."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from botworker.interactions import InvalidInteraction, handle_interaction
from botworker.signatures import SignatureError, verify_request

logger = logging.getLogger("guildhall.interactions")


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
