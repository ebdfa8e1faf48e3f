"""Export and erasure through the registry: the export holds a row of every registered model and
nothing of another member; the erasure removes the member everywhere in one transaction, keeps
other members' data intact (with a tombstone where they depend on the member's rows), and
refuses without the confirmation word, writing nothing."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User

from attendance.models import RaidAttendance, RaidEvent
from botworker.models import BotAction, DiscordLink, InteractionRecord
from botworker.presenters.text import DELETED_MEMBER, user_mention
from config.actors import Actor
from config.exceptions import ApplicationError
from config.gdpr import Erase, PersonalModel, load, registry
from config.snowflakes import is_tombstone
from scheduling.models import Player, Reminder
from shifts.models import ModSchedule, Shift
from support import services
from support.gdpr import erase, export
from support.models import GdprRequest, SupportTicket, Tombstone
from support.tests.gdpr_world import GUILD, OTHER, SUBJECT, marker, personal_rows

pytestmark = pytest.mark.django_db

ME = Actor(user_id=SUBJECT)


@pytest.fixture
def world():
    return personal_rows(SUBJECT, other=OTHER), personal_rows(OTHER, other=SUBJECT)


def linked_counts(user_id: int) -> dict[str, int]:
    return {entry.label: entry.rows_of(user_id).count() for entry in load().entries()}


def test_the_export_holds_a_row_of_every_registered_model_and_nothing_of_another_member(world):
    request, data = services.gdpr_export(subject_user_id=SUBJECT, actor=ME, source="discord", guild_id=GUILD)
    exported = json.loads(data)
    assert exported["format"] == export.FORMAT and exported["user_id"] == str(SUBJECT)
    assert [label for label, rows in exported["data"].items() if not rows] == []
    assert set(exported["data"]) == {entry.label for entry in load().entries()}
    text = data.decode()
    assert marker(SUBJECT) in text
    assert str(OTHER) not in text and marker(OTHER) not in text
    # A shift the member dropped that the other claimed: theirs, with the claimer hidden.
    shifts = exported["data"]["shifts.Shift"]
    [shift] = [row for row in shifts if row["claimed_by"] == export.ANOTHER_MEMBER]
    assert shift["created_by"] == str(SUBJECT) and shift["description"] == marker(SUBJECT)
    # …and the other's shift the member claimed, without the other's description.
    [claimed] = [row for row in shifts if row["claimed_by"] == str(SUBJECT)]
    assert claimed["created_by"] == export.ANOTHER_MEMBER and "description" not in claimed
    # The other's ticket the member claimed: listed, without the other's words.
    tickets = {row["user_id"]: row for row in exported["data"]["support.SupportTicket"]}
    assert "description" not in tickets[export.ANOTHER_MEMBER] and tickets[str(SUBJECT)]["description"]
    # The request is in the audit log, and in the export itself.
    assert GdprRequest.objects.get() == request and request.kind == "export" and request.guild_id == GUILD
    assert request.summary["exported"]["shifts.Shift"] == 3
    assert exported["data"]["support.GdprRequest"][0]["kind"] == "export"
    # An interaction's answer bodies may quote other members: never exported.
    [record] = exported["data"]["botworker.InteractionRecord"]
    assert record["kind"] == "gdpr status" and "response" not in record


def test_only_the_member_or_staff_may_ask():
    with pytest.raises(ApplicationError) as refused:
        services.gdpr_export(subject_user_id=SUBJECT, actor=Actor(user_id=OTHER, is_admin=True), source="discord")
    assert refused.value.code == "permission_denied"
    with pytest.raises(ApplicationError):
        services.gdpr_erase(
            subject_user_id=SUBJECT, actor=Actor(user_id=OTHER), source="discord", confirmation="DELETE"
        )
    staff = User.objects.create_user("dpo", is_staff=True)
    request, _ = services.gdpr_export(
        subject_user_id=SUBJECT, actor=Actor(login_id=staff.pk, is_staff=True), source="admin"
    )
    assert request.requested_by_login == "dpo" and request.requested_by_user_id is None
    assert GdprRequest.objects.count() == 1


def test_the_erasure_removes_the_member_and_leaves_other_members_data(world):
    mine, theirs = world
    others_before = linked_counts(OTHER)
    request = services.gdpr_erase(
        subject_user_id=SUBJECT, actor=ME, source="discord", confirmation=" DELETE ", guild_id=GUILD
    )
    # Nothing but the documented exceptions names the member any more.
    assert {label: n for label, n in linked_counts(SUBJECT).items() if n} == {
        "support.GdprRequest": 1,
        "botworker.BotAction": 1,
    }
    assert linked_counts(OTHER) == others_before
    [tombstone] = Tombstone.objects.all()
    dead = tombstone.pk + (1 << 21)
    assert is_tombstone(dead)

    # Rows only about the member are gone (with what cascades from them).
    assert not ModSchedule.objects.filter(pk=mine["schedule"].pk).exists()
    assert not Shift.objects.filter(pk=mine["own_shift"].pk).exists()
    assert not Player.objects.filter(pk=mine["player"].pk).exists()
    assert not RaidAttendance.objects.filter(pk=mine["attendance"].pk).exists()
    assert (
        not User.objects.filter(pk=mine["login"].pk).exists()
        and not DiscordLink.objects.filter(discord_user_id=SUBJECT).exists()
    )
    # Rows other members depend on stay, with the tombstone and without the member's words.
    kept = Shift.objects.get(pk=mine["shift_claimed_by_other"].pk)
    assert (kept.created_by, kept.claimed_by, kept.description) == (dead, OTHER, "")
    ticket = SupportTicket.objects.get(pk=mine["ticket"].pk)
    assert (ticket.user_id, ticket.username, ticket.description, ticket.claimed_by) == (dead, "", "", OTHER)
    their_ticket = SupportTicket.objects.get(pk=theirs["ticket"].pk)
    assert (their_ticket.user_id, their_ticket.claimed_by, their_ticket.description) == (OTHER, dead, marker(OTHER))
    their_shift = Shift.objects.get(pk=theirs["shift_claimed_by_other"].pk)
    assert (their_shift.created_by, their_shift.claimed_by, their_shift.description) == (OTHER, dead, marker(OTHER))
    assert RaidEvent.objects.get(pk=mine["event"].pk).created_by_player is None
    assert Reminder.objects.get(pk=mine["reminder"].pk).created_by == dead
    record = InteractionRecord.objects.get(pk=mine["interaction"].pk)
    assert (record.user_id, record.response) == (dead, None)
    assert (
        not BotAction.objects.filter(pk=mine["dm"].pk).exists()
        and BotAction.objects.filter(pk=theirs["dm"].pk).exists()
    )
    # In Discord, the tombstone reads "deleted member".
    assert user_mention(dead) == DELETED_MEMBER

    # Audited, and the member is told by DM (through the outbox).
    assert request.kind == "erase" and request.subject_user_id == SUBJECT
    assert request.summary["erased"]["shifts.Shift"] == {"deleted": 1, "anonymised": 2}
    dm = BotAction.objects.get(dedupe_key=f"gdpr:erased:{request.pk}:dm")
    assert dm.payload["user_id"] == str(SUBJECT) and "erased" in dm.payload["content"]


def test_an_erasure_twice_finds_nothing_more(world):
    services.gdpr_erase(subject_user_id=SUBJECT, actor=ME, source="discord", confirmation="DELETE")
    second = services.gdpr_erase(subject_user_id=SUBJECT, actor=ME, source="discord", confirmation="DELETE")
    assert set(second.summary["erased"]) <= {"support.GdprRequest", "botworker.BotAction"}


@pytest.mark.parametrize("typed", ["", "delete", "DELETE ME", "yes"])
def test_without_the_confirmation_word_nothing_is_erased(world, typed):
    before = linked_counts(SUBJECT)
    with pytest.raises(ApplicationError) as refused:
        services.gdpr_erase(subject_user_id=SUBJECT, actor=ME, source="discord", confirmation=typed)
    assert refused.value.message == services.gdpr.NOT_CONFIRMED and refused.value.field == "confirmation"
    assert linked_counts(SUBJECT) == before
    assert not GdprRequest.objects.exists() and not Tombstone.objects.exists()


def test_an_erasure_that_leaves_rows_behind_fails_whole(world, monkeypatch):
    load()
    zone_entry = next(entry for entry in registry.entries() if entry.label == "scheduling.MemberZone")
    lazy = PersonalModel(model=zone_entry.model, links=zone_entry.links, eraser=lambda rows, user_id, tombstone: {})
    monkeypatch.setitem(registry.personal, zone_entry.model, lazy)
    with pytest.raises(erase.ErasureIncomplete, match="scheduling.MemberZone"):
        services.gdpr_erase(subject_user_id=SUBJECT, actor=ME, source="discord", confirmation="DELETE")
    assert Player.objects.filter(discord_user_id=SUBJECT).exists()
    assert not GdprRequest.objects.exists()


def test_kept_links_are_the_documented_exceptions():
    kept = {
        (entry.label, link.lookup): link.reason
        for entry in load().entries()
        for link in entry.links
        if link.erase == Erase.KEEP
    }
    assert set(kept) == {
        ("support.GdprRequest", "subject_user_id"),
        ("support.GdprRequest", "requested_by_user_id"),
        ("botworker.BotAction", "payload__user_id"),
    }
