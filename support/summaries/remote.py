"""The OpenAI-compatible provider: ``POST {SUMMARY_API_URL}/chat/completions`` with a bearer key.

Any failure (no answer within the timeout, an HTTP error, an answer that is not the expected JSON
or has no text) raises :class:`SummaryUnavailable` with a short reason; the caller falls back to
the local summariser. Never called inside a database transaction (it waits on the network).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

SYSTEM_PROMPT = (
    "You summarise support tickets for the support staff. In at most three plain sentences, say "
    "what the member's problem was and how it was solved (or that it was not). No greeting, no names."
)
# What is sent of a long conversation: its end (where the solution is), within this many characters.
INPUT_LIMIT = 12_000


class SummaryUnavailable(Exception):
    """The provider gave no usable summary; `str(error)` says why."""


@dataclass(frozen=True)
class RemoteProvider:
    url: str
    key: str
    model: str
    timeout: float

    def summarize(self, conversation: str, *, max_chars: int) -> str:
        body = json.dumps(
            {
                "model": self.model,
                "temperature": 0,
                "messages": [
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": conversation[-INPUT_LIMIT:]},
                ],
            }
        ).encode()
        request = urllib.request.Request(
            self.url.rstrip("/") + "/chat/completions",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(1_000_000)
        except urllib.error.HTTPError as error:
            raise SummaryUnavailable(f"HTTP {error.code}") from error
        except TimeoutError as error:
            raise SummaryUnavailable(f"no answer within {self.timeout:g}s") from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError):
                raise SummaryUnavailable(f"no answer within {self.timeout:g}s") from error
            raise SummaryUnavailable(f"unreachable: {reason}") from error
        try:
            text = json.loads(raw)["choices"][0]["message"]["content"]
        except (ValueError, LookupError, TypeError) as error:
            raise SummaryUnavailable("malformed answer") from error
        if not isinstance(text, str) or not text.strip():
            raise SummaryUnavailable("malformed answer (no text)")
        text = " ".join(text.split())
        return text if len(text) <= max_chars else text[: max_chars - 1].rsplit(" ", 1)[0] + "…"
