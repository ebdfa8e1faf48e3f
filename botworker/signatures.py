"""Verifying that an HTTP interaction really comes from Discord (Ed25519 over timestamp + body)."""

from __future__ import annotations

import time
from functools import lru_cache

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

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
