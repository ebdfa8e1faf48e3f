"""Command registration and deferred answers, against the Discord emulator."""

import io
import json
import threading
from datetime import timedelta

import discord
import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from botworker.handlers import admin as admin_handlers
from botworker.interactions import handle_interaction, router, run_deferred
from botworker.interactions.handling import FOLLOWUP_LEASE
from botworker.interactions.records import FollowupInProgress
from botworker.interactions.registration import diff_commands
from botworker.models import InteractionRecord
from botworker.tasks import complete_deferred_interaction
from botworker.tests.factories import APPLICATION_ID, GUILD_ID, Signer, command_payload
from conftest import wait_for

pytestmark = pytest.mark.django_db


def run_sync(*args) -> str:
    out = io.StringIO()
    call_command("sync_commands", *args, stdout=out)
    return out.getvalue()


def test_sync_commands_sends_exactly_the_registry_json(discord_app):
    output = run_sync()
    [put] = discord_app.requests_to("PUT", rf"/applications/{discord_app.application_id}/commands")
    assert put.json == router.application_commands()
    names = ", ".join(f"/{c['name']}" for c in router.application_commands())
    assert {"/sync_commands", "/whoami"} <= set(names.split(", "))
    assert f"added: {names}" in output
    assert "removed: none" in output
    # A second sync changes nothing and says so.
    assert f"unchanged: {names}" in run_sync()


def test_sync_commands_for_one_guild(discord_app):
    discord_app.add_guild(guild_id=str(GUILD_ID))
    output = run_sync("--guild", str(GUILD_ID))
    [put] = discord_app.requests_to("PUT", rf"/applications/\d+/guilds/{GUILD_ID}/commands")
    assert put.json == router.application_commands()
    assert f"Commands synced (guild {GUILD_ID})" in output
    assert [c["name"] for c in discord_app.commands(str(GUILD_ID))] == [
        c["name"] for c in router.application_commands()
    ]


def test_sync_commands_refuses_a_bad_token(discord_app, settings):
    settings.DISCORD_TOKEN = "wrong"
    with pytest.raises(CommandError, match="Discord refused DISCORD_TOKEN"):
        run_sync()


def test_sync_commands_needs_configuration(settings):
    settings.DISCORD_TOKEN = ""
    with pytest.raises(CommandError, match="DISCORD_TOKEN and DISCORD_APPLICATION_ID must be set"):
        run_sync()


def test_diff_names_added_changed_removed():
    current = [{"id": "1", "name": "a", "description": "x", "version": "9"}, {"name": "b", "description": "y"}]
    desired = [{"name": "a", "description": "x"}, {"name": "c", "description": "z"}]
    assert diff_commands(current, desired) == {"added": ["c"], "removed": ["b"], "changed": [], "unchanged": ["a"]}
    assert diff_commands(current, [{"name": "a", "description": "new"}])["changed"] == ["a"]


def sync_payload(**kwargs):
    payload = command_payload("sync_commands", **kwargs)
    payload["application_id"] = APPLICATION_ID
    return payload


def test_sync_commands_slash_command_is_deferred_then_completed(discord_app, settings):
    settings.DISCORD_APPLICATION_ID = discord_app.application_id
    payload = sync_payload(permissions=1 << 3)
    payload["application_id"] = discord_app.application_id
    answer = handle_interaction(payload)
    assert answer == {"type": 5, "data": {"flags": 64}}
    assert discord_app.requests_to("PUT", r"/applications/.*") == []  # nothing done yet
    discord_app.answer_over_http(payload["id"], payload["token"], answer)

    complete_deferred_interaction.apply(args=[payload]).get()
    complete_deferred_interaction.apply(args=[payload]).get()  # a redelivered task has no second effect
    assert len(discord_app.requests_to("PUT", rf"/applications/\d+/guilds/{GUILD_ID}/commands")) == 1
    edits = discord_app.requests_to("PATCH", rf"/webhooks/\d+/{payload['token']}/messages/@original")
    assert len(edits) == 2
    assert edits[0].json["content"].startswith("Commands synced (this server):")
    assert edits[0].json == edits[1].json
    record = InteractionRecord.objects.get(interaction_id=int(payload["id"]))
    assert record.followup == edits[0].json


def test_sync_commands_slash_command_is_for_admins_only(discord_app):
    response = handle_interaction(sync_payload())
    assert response["data"]["content"] == "Only admins can use this."


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_deferred_answer_completes_through_a_real_celery_worker(discord_app, settings, subprocess_env, client, request):
    """Signed POST → deferred answer at once → the worker runs the handler and edits the original.

    Here Discord (the emulator) takes the deferred answer only after the worker's first edit,
    as can happen for real: the edit that overtakes it is refused and retried."""
    signer = Signer()
    settings.DISCORD_PUBLIC_KEY = signer.public_key_hex
    subprocess_env.update(
        DISCORD_API_BASE=discord_app.api_base,
        DISCORD_TOKEN=discord_app.token,
        DISCORD_APPLICATION_ID=discord_app.application_id,
    )
    request.getfixturevalue("celery_worker")
    payload = sync_payload(permissions=1 << 5)
    payload["application_id"] = discord_app.application_id
    response = signer.post(client, payload)
    assert response.status_code == 200
    assert response.json() == {"type": 5, "data": {"flags": 64}}
    edit_path = rf"/webhooks/\d+/{payload['token']}/messages/@original"
    early = wait_for(lambda: discord_app.requests_to("PATCH", edit_path), timeout=30, message="the worker's first edit")
    assert early[0].status == 404
    discord_app.answer_over_http(payload["id"], payload["token"], response.json())
    edits = wait_for(
        lambda: [r for r in discord_app.requests_to("PATCH", edit_path) if r.status == 200],
        timeout=30,
        message="the worker to edit the original response",
    )
    assert json.dumps(edits[0].json).count("Commands synced (this server)") == 1
    assert len(discord_app.requests_to("PUT", r"/applications/.*")) == 1  # the handler ran once
    assert discord_app.original_response(discord_app.application_id, payload["token"])["content"].startswith(
        "Commands synced"
    )


def record_is_locked(interaction_id: int) -> bool:
    """Whether another transaction holds the interaction record's row lock (asked from a new connection)."""
    answer: list[bool] = []

    def probe() -> None:
        try:
            with transaction.atomic():
                InteractionRecord.objects.select_for_update(nowait=True).get(interaction_id=interaction_id)
            answer.append(False)
        except OperationalError:
            answer.append(True)
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(10)
    return answer[0]


@pytest.mark.django_db(transaction=True)
def test_sync_commands_calls_discord_with_no_transaction_open_and_answers_once(discord_app, monkeypatch):
    payload = sync_payload(permissions=1 << 3)
    payload["application_id"] = discord_app.application_id
    handle_interaction(payload)
    discord_app.answer_over_http(payload["id"], payload["token"], {"type": 5, "data": {"flags": 64}})
    in_transaction: list[bool] = []
    locked: list[bool] = []
    sync_guild = admin_handlers._sync_guild
    overwrite = discord.http.HTTPClient.bulk_upsert_guild_commands

    def watched_sync_guild(guild_id):
        in_transaction.append(connection.in_atomic_block)  # in the handler's thread, before the request
        return sync_guild(guild_id)

    def watched_overwrite(self, *args, **kwargs):
        locked.append(record_is_locked(int(payload["id"])))  # while the request is being made
        return overwrite(self, *args, **kwargs)

    monkeypatch.setattr(admin_handlers, "_sync_guild", watched_sync_guild)
    monkeypatch.setattr(discord.http.HTTPClient, "bulk_upsert_guild_commands", watched_overwrite)
    complete_deferred_interaction.apply(args=[payload]).get()
    complete_deferred_interaction.apply(args=[payload]).get()  # the stored answer, no second call

    assert in_transaction == [False] and locked == [False]
    record = InteractionRecord.objects.get(interaction_id=int(payload["id"]))
    assert record.followup["content"].startswith("Commands synced (this server):")
    assert record.followup_started_at is not None
    edits = discord_app.requests_to("PATCH", rf"/webhooks/\d+/{payload['token']}/messages/@original")
    assert [edit.json for edit in edits] == [record.followup, record.followup]


@pytest.mark.django_db(transaction=True)
def test_a_deferred_run_that_calls_discord_waits_for_one_under_way(discord_app):
    payload = sync_payload(permissions=1 << 3)
    handle_interaction(payload)
    InteractionRecord.objects.filter(interaction_id=int(payload["id"])).update(followup_started_at=timezone.now())
    with pytest.raises(FollowupInProgress):
        run_deferred(payload)
    assert discord_app.requests_to("PUT", r"/applications/.*") == []
    # A claim older than the lease belongs to a run that died: the next run takes over.
    InteractionRecord.objects.filter(interaction_id=int(payload["id"])).update(
        followup_started_at=timezone.now() - FOLLOWUP_LEASE - timedelta(seconds=1)
    )
    assert run_deferred(payload)["content"].startswith("Commands synced (this server):")
