"""A deferred command while the Celery broker is down: the interaction is answered ("thinking…"),
never with a 500, its payload is kept, and the sweeper queues it again once the broker is back,
while Discord's 15-minute token lasts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu import Connection

from botworker import tasks
from botworker.models import InteractionRecord
from botworker.tests.factories import Signer
from botworker.tests.test_commands import sync_payload
from config.celery import app as celery_app
from conftest import wait_for

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def _reset_producer_pool() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down(monkeypatch):
    """Every publish goes to a broker nobody listens on (connection refused), as in an outage."""
    monkeypatch.setattr(
        type(celery_app),
        "connection_for_write",
        lambda self, *args, **kwargs: Connection(CLOSED_PORT_BROKER, connect_timeout=1),
    )
    _reset_producer_pool()
    yield
    monkeypatch.undo()
    _reset_producer_pool()


def admin_sync_payload(application_id: str) -> dict:
    payload = sync_payload(permissions=1 << 3)
    payload["application_id"] = application_id
    return payload


@pytest.mark.django_db(transaction=True)
def test_a_deferred_command_is_answered_and_kept_when_the_broker_is_down(discord_app, settings, client, broker_down):
    signer = Signer()
    settings.DISCORD_PUBLIC_KEY = signer.public_key_hex
    payload = admin_sync_payload(discord_app.application_id)
    response = signer.post(client, payload)
    assert response.status_code == 200
    assert response.json() == {"type": 5, "data": {"flags": 64}}
    record = InteractionRecord.objects.get(interaction_id=int(payload["id"]))
    assert record.deferred_payload == payload and record.followup is None
    # Discord's retry of the same interaction gets the same answer, not a 500.
    assert signer.post(client, payload).json() == {"type": 5, "data": {"flags": 64}}


@pytest.mark.django_db
def test_the_sweeper_forgets_answers_whose_token_expired_and_leaves_fresh_ones(broker_down):
    now = timezone.now()
    for interaction_id, age in ((1, timedelta(minutes=16)), (2, timedelta(seconds=10))):
        record = InteractionRecord.objects.create(
            interaction_id=interaction_id, deferred_payload={"id": str(interaction_id)}
        )
        InteractionRecord.objects.filter(pk=record.pk).update(created_at=now - age)
    assert tasks.requeue_overdue_followups() == {"requeued": 0, "expired": 1}
    assert dict(InteractionRecord.objects.values_list("interaction_id", "deferred_payload")) == {
        1: None,
        2: {"id": "2"},  # not overdue yet: its own task may still be on its way
    }


@pytest.mark.django_db
def test_the_sweeper_cannot_queue_while_the_broker_is_still_down(broker_down):
    record = InteractionRecord.objects.create(interaction_id=3, deferred_payload={"id": "3"})
    InteractionRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert tasks.requeue_overdue_followups() == {"requeued": 0, "expired": 0}
    assert InteractionRecord.objects.get(pk=record.pk).deferred_payload == {"id": "3"}  # tried again next minute


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_once_the_broker_is_back_the_sweeper_completes_the_deferred_answer(
    discord_app, settings, subprocess_env, client, request, monkeypatch
):
    signer = Signer()
    settings.DISCORD_PUBLIC_KEY = signer.public_key_hex
    subprocess_env.update(
        DISCORD_API_BASE=discord_app.api_base,
        DISCORD_TOKEN=discord_app.token,
        DISCORD_APPLICATION_ID=discord_app.application_id,
    )
    payload = admin_sync_payload(discord_app.application_id)
    with monkeypatch.context() as outage:
        outage.setattr(
            type(celery_app),
            "connection_for_write",
            lambda self, *args, **kwargs: Connection(CLOSED_PORT_BROKER, connect_timeout=1),
        )
        _reset_producer_pool()
        assert signer.post(client, payload).json() == {"type": 5, "data": {"flags": 64}}
    _reset_producer_pool()
    discord_app.answer_over_http(payload["id"], payload["token"], {"type": 5, "data": {"flags": 64}})
    record = InteractionRecord.objects.get(interaction_id=int(payload["id"]))
    InteractionRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(minutes=2))

    request.getfixturevalue("celery_worker")
    assert tasks.requeue_overdue_followups() == {"requeued": 1, "expired": 0}
    edit_path = rf"/webhooks/\d+/{payload['token']}/messages/@original"
    edits = wait_for(
        lambda: [r for r in discord_app.requests_to("PATCH", edit_path) if r.status == 200],
        timeout=30,
        message="the worker to send the deferred answer",
    )
    assert edits[0].json["content"].startswith("Commands synced (this server):")
    wait_for(
        lambda: InteractionRecord.objects.get(pk=record.pk).deferred_payload is None,
        timeout=10,
        message="the record to be marked sent",
    )
