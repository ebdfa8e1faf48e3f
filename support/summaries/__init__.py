"""The pluggable summariser of closed tickets.

:func:`summarize_conversation` uses the OpenAI-compatible provider when ``SUMMARY_API_URL`` and
``SUMMARY_API_KEY`` are set and falls back to the local extractive summariser when it fails (or
is not configured); the result says which one wrote the summary, and why the remote one did not.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from support.summaries import local
from support.summaries.remote import RemoteProvider, SummaryUnavailable

__all__ = ["Summary", "local", "remote_provider", "summarize_conversation", "SummaryUnavailable"]


@dataclass(frozen=True)
class Summary:
    text: str
    provider: str  # "local" or "remote" (support.models.SummaryProvider)
    model: str = ""
    fallback_reason: str = ""


def remote_provider() -> RemoteProvider | None:
    """The remote provider the settings configure, or None."""
    url, key = getattr(settings, "SUMMARY_API_URL", ""), getattr(settings, "SUMMARY_API_KEY", "")
    if not (url and key):
        return None
    return RemoteProvider(url=url, key=key, model=settings.SUMMARY_MODEL, timeout=settings.SUMMARY_API_TIMEOUT)


def summarize_local(texts: list[str], *, fallback_reason: str = "") -> Summary:
    text = local.summarize(texts, max_sentences=settings.SUMMARY_SENTENCES, max_chars=settings.SUMMARY_MAX_CHARS)
    return Summary(text=text, provider="local", fallback_reason=fallback_reason)


def summarize_conversation(texts: list[str], *, provider: RemoteProvider | None = None) -> Summary:
    """The summary of `texts` (the conversation, in order): by `provider` (default: the configured
    remote one) when there is one and it answers, by the local summariser otherwise. Blocks on the
    network when a remote provider is used: never call it inside a transaction."""
    provider = provider or remote_provider()
    if provider is None or not any(t.strip() for t in texts):
        return summarize_local(texts)
    try:
        text = provider.summarize("\n".join(texts), max_chars=settings.SUMMARY_MAX_CHARS)
    except SummaryUnavailable as error:
        return summarize_local(texts, fallback_reason=str(error)[:300])
    return Summary(text=text, provider="remote", model=provider.model)
