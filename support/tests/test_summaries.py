"""Summaries of closed tickets: the local extractive summariser (scores, order, bounds, an empty
conversation), the OpenAI-compatible provider against a stub server on a real socket (answer,
timeout, HTTP error, malformed answer: the last three fall back to the local summariser), and
where each runs: the local one in the closing transaction, the remote one in a task after it."""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from support import services
from support.models import SummaryProvider, TicketSummary
from support.summaries import local, remote_provider, summarize_conversation
from support.summaries.remote import RemoteProvider, SummaryUnavailable
from support.tasks import summarize_missing, summarize_ticket
from support.tests.factories import REQUESTER, SupportSettingsFactory
from support.tests.faq_world import MODERATOR, RESET, close, talk, ticket_with_conversation

CONVERSATION = [
    "Hello there.",
    "My raid signup fails with an error when I pick the healer role.",
    "Thanks for waiting.",
    "The healer role signup is full for this raid, so the signup refuses it.",
    "Ok.",
    "Pick another role or join the healer waiting list for the raid.",
]

# ---------------------------------------------------------------------------- the local summariser


def test_sentences_heavy_with_the_conversations_terms_score_above_small_talk():
    scored = {s.sentence: s.score for s in local.score_sentences(local.sentences(CONVERSATION))}
    topical = [scored[CONVERSATION[i]] for i in (1, 3, 5)]
    assert min(topical) > max(scored["Hello there."], scored["Thanks for waiting."], scored["Ok."])
    assert scored["Ok."] == 0.0  # nothing but a stopword


def test_term_weight_is_frequency_times_inverse_spread():
    weights = local.term_weights(["raid raid healer", "raid signup", "bank"])
    # raid: 3 times in 2 of 3 sentences; bank: once in 1 of 3.
    assert weights["raid"] == pytest.approx(3 * math.log(1 + 3 / 2))
    assert weights["bank"] == pytest.approx(1 * math.log(1 + 3 / 1))


def test_the_best_sentences_are_kept_in_their_original_order():
    summary = local.summarize(CONVERSATION, max_sentences=2, max_chars=1000)
    ranked = sorted(local.score_sentences(local.sentences(CONVERSATION)), key=lambda s: -s.score)
    best = {ranked[0].sentence, ranked[1].sentence}
    expected = " ".join(s for s in CONVERSATION if s in best)
    assert summary == expected
    assert "Hello" not in summary


@pytest.mark.parametrize("max_sentences", [1, 2, 3])
def test_at_most_the_sentences_asked_for(max_sentences):
    summary = local.summarize(CONVERSATION, max_sentences=max_sentences, max_chars=10_000)
    assert len(local.sentences([summary])) == max_sentences


def test_the_length_bound_holds_and_skips_to_a_sentence_that_fits():
    summary = local.summarize(CONVERSATION, max_sentences=3, max_chars=80)
    assert 0 < len(summary) <= 80
    assert summary in CONVERSATION  # one whole sentence fits, no cut one


def test_a_single_sentence_longer_than_the_bound_is_cut_at_a_word():
    long = "word " * 100 + "end."
    summary = local.summarize([long], max_sentences=3, max_chars=50)
    assert len(summary) <= 50 and summary.endswith("…") and not summary.endswith(" …")


@pytest.mark.parametrize("texts", [[], [""], ["   ", "\n\n"]])
def test_an_empty_conversation_has_an_empty_summary(texts):
    assert local.summarize(texts) == ""


def test_repeated_sentences_count_once():
    assert local.summarize(["Reset it.", "reset it.", "Reset it."], max_sentences=3) == "Reset it."


# ---------------------------------------------------------------------------- the remote provider


class Stub:
    """An OpenAI-compatible server on a real socket; `mode` says how it answers."""

    def __init__(self):
        self.mode = "ok"
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append({"path": self.path, "auth": self.headers["Authorization"], "body": body})
                if stub.mode == "slow":
                    time.sleep(1.5)
                if stub.mode == "error":
                    self.send_response(503)
                    self.end_headers()
                    self.wfile.write(b'{"error": "overloaded"}')
                    return
                answer = {
                    "ok": {"choices": [{"message": {"role": "assistant", "content": "  Reset email was in spam.  "}}]},
                    "slow": {"choices": [{"message": {"content": "too late"}}]},
                    "malformed": {"result": "no choices here"},
                    "empty": {"choices": [{"message": {"content": ""}}]},
                }.get(stub.mode)
                data = json.dumps(answer).encode() if answer is not None else b"<html>oops"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError):  # the client gave up (the timeout case)
                    self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub(settings):
    with Stub() as server:
        settings.SUMMARY_API_URL = server.url
        settings.SUMMARY_API_KEY = "sk-test"
        settings.SUMMARY_MODEL = "tiny-model"
        settings.SUMMARY_API_TIMEOUT = 0.5
        yield server


def test_the_provider_posts_the_conversation_with_the_bearer_key_and_model(stub):
    summary = summarize_conversation(["My reset email is missing.", "Look in spam."])
    assert (summary.text, summary.provider, summary.model, summary.fallback_reason) == (
        "Reset email was in spam.",
        "remote",
        "tiny-model",
        "",
    )
    [request] = stub.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "tiny-model"
    assert request["body"]["messages"][-1] == {"role": "user", "content": "My reset email is missing.\nLook in spam."}


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("slow", "no answer within 0.5s"),
        ("error", "HTTP 503"),
        ("malformed", "malformed answer"),
        ("garbage", "malformed answer"),
        ("empty", "malformed answer (no text)"),
    ],
)
def test_a_failing_provider_falls_back_to_the_local_summariser(stub, mode, reason):
    stub.mode = mode
    texts = ["My reset email is missing.", "Look in the spam folder for the reset email."]
    summary = summarize_conversation(texts)
    assert summary.provider == "local"
    assert summary.fallback_reason == reason
    assert summary.text == local.summarize(texts)
    assert len(stub.requests) == 1


def test_an_unreachable_provider_falls_back_too(settings):
    provider = RemoteProvider(url="http://127.0.0.1:9", key="k", model="m", timeout=0.5)
    with pytest.raises(SummaryUnavailable, match="unreachable"):
        provider.summarize("text", max_chars=100)
    assert summarize_conversation(["Some text here."], provider=provider).provider == "local"


def test_no_remote_provider_without_both_url_and_key(settings):
    settings.SUMMARY_API_URL, settings.SUMMARY_API_KEY = "http://example.invalid", ""
    assert remote_provider() is None


# ---------------------------------------------------------------------------- where it runs


@pytest.mark.django_db
def test_closing_stores_the_local_summary_in_the_same_transaction(settings):
    settings.SUMMARY_API_URL = settings.SUMMARY_API_KEY = ""
    SupportSettingsFactory()
    topic, asked, answered = RESET[0]
    ticket = close(ticket_with_conversation(topic, asked, answered, user_id=REQUESTER))
    stored = TicketSummary.objects.get(ticket=ticket)
    assert stored.provider == SummaryProvider.LOCAL
    assert "spam" in stored.summary and "reset" in stored.similarity_key
    assert stored.guild_id == ticket.guild_id


@pytest.mark.django_db
def test_a_closed_ticket_without_messages_is_summarised_from_its_topic_and_description(settings):
    settings.SUMMARY_API_URL = settings.SUMMARY_API_KEY = ""
    SupportSettingsFactory()
    ticket = close(ticket_with_conversation("Lost sword", ["It vanished."], [], user_id=REQUESTER))
    assert ticket.summary.summary == "Lost sword. It vanished."


@pytest.mark.django_db(transaction=True)
def test_with_a_remote_provider_the_close_queues_a_task_and_the_task_stores_its_summary_once(stub, monkeypatch):
    SupportSettingsFactory()
    queued = []
    monkeypatch.setattr(summarize_ticket, "delay", lambda ticket_id: queued.append(ticket_id))
    topic, asked, answered = RESET[0]
    ticket = ticket_with_conversation(topic, asked, answered, user_id=REQUESTER)
    talk(ticket, "One more thing.")
    close(ticket)
    assert queued == [ticket.pk]  # after the commit, and nothing asked inside the transaction
    assert stub.requests == [] and not TicketSummary.objects.exists()

    assert summarize_ticket(ticket.pk) == "remote"
    assert summarize_ticket(ticket.pk) == "remote"  # idempotent: the provider is not asked again
    stored = TicketSummary.objects.get(ticket=ticket)
    assert (stored.summary, stored.provider, stored.model) == ("Reset email was in spam.", "remote", "tiny-model")
    assert len(stub.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_the_task_records_the_fallback_when_the_provider_fails(stub, monkeypatch):
    SupportSettingsFactory()
    stub.mode = "error"
    monkeypatch.setattr(summarize_ticket, "delay", lambda ticket_id: None)
    topic, asked, answered = RESET[1]
    ticket = close(ticket_with_conversation(topic, asked, answered, user_id=REQUESTER))
    assert summarize_ticket(ticket.pk) == "local"
    stored = TicketSummary.objects.get(ticket=ticket)
    assert (stored.provider, stored.fallback_reason) == ("local", "HTTP 503")
    assert "spam" in stored.summary


@pytest.mark.django_db(transaction=True)
def test_the_sweep_summarises_a_closed_ticket_whose_task_was_lost(settings, monkeypatch):
    settings.SUMMARY_API_URL = settings.SUMMARY_API_KEY = ""
    SupportSettingsFactory()
    ticket = ticket_with_conversation(*RESET[2], user_id=REQUESTER)
    services.ticket_close(
        guild_id=ticket.guild_id,
        actor=MODERATOR,
        ticket_id=ticket.pk,
        reason="done",
        now=timezone.now() - timedelta(hours=1),
    )
    TicketSummary.objects.all().delete()  # as if the task had been lost
    assert summarize_missing() == 1
    assert summarize_missing() == 0
    assert TicketSummary.objects.get(ticket=ticket).provider == "local"
