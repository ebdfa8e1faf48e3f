"""/ticket_stats through the interaction handling, in-process, with the Discord emulator: staff
get the figures with the chart attached (a deferred answer whose follow-up uploads the PNG), the
scope buttons redraw the same message (DEFERRED_UPDATE_MESSAGE, then the edit of that message
with the new embed and chart), every request stores a snapshot, members are refused at once
(the message stays as it is), and the scope in a custom_id is untrusted."""

from __future__ import annotations

import base64
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from botworker.guilds import guild_configure
from botworker.interactions import handle_interaction, run_deferred
from botworker.interactions.routing import MALFORMED_COMPONENT, NEEDS_CONFIG
from botworker.presenters import support_stats as presenter
from botworker.tasks import complete_deferred_interaction
from botworker.tests.factories import GUILD_ID, MOD_ROLE, command_payload, component_payload
from config.actors import Actor
from support import services
from support.charts import FILENAME
from support.models import SupportSettings, TicketMetrics
from support.tests.stats_world import make_ticket

pytestmark = pytest.mark.django_db

MOD = 890_000_000_000_000_001
SUPPORTER = 890_000_000_000_000_002
MEMBER = 890_000_000_000_000_003
STAFF_ROLE = 891_000_000_000_000_001
WHO = {"mod": (MOD, (MOD_ROLE,)), "support": (SUPPORTER, (STAFF_ROLE,)), "member": (MEMBER, ())}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def desk():
    guild_configure(guild_id=GUILD_ID, moderator_role_ids=[MOD_ROLE])
    SupportSettings.objects.create(guild_id=GUILD_ID, staff_role_ids=[str(STAFF_ROLE)])
    now = timezone.now()
    mod = Actor(user_id=MOD, is_moderator=True)
    make_ticket("Login", now - timedelta(days=3), guild_id=GUILD_ID, response=timedelta(minutes=30))
    make_ticket(
        "Billing",
        now - timedelta(days=20),
        guild_id=GUILD_ID,
        response=timedelta(minutes=10),
        claim=(mod, now - timedelta(days=20) + timedelta(hours=1)),
        close=(mod, now - timedelta(days=19)),
        rating=5,
    )


def stats_command(who: str) -> dict:
    user_id, roles = WHO[who]
    return command_payload("ticket_stats", user_id=user_id, roles=roles)


def scope_click(scope: str, who: str) -> dict:
    user_id, roles = WHO[who]
    return component_payload(f"{presenter.STATS_ACTION}:{scope}", user_id=user_id, roles=roles)


def field(message: dict, name: str) -> str:
    return next(f["value"] for f in message["embeds"][0]["fields"] if f["name"] == name)


def test_staff_get_the_figures_with_the_chart_and_a_snapshot_is_stored(desk):
    payload = stats_command("support")
    assert handle_interaction(payload) == {"type": 5, "data": {"flags": 64}}
    assert not TicketMetrics.objects.exists()  # nothing is computed before the follow-up runs
    message = run_deferred(payload)
    embed = message["embeds"][0]
    assert embed["title"] == "Ticket statistics · last 7 days"
    assert (field(message, "Opened"), field(message, "Closed")) == ("1", "0")
    assert field(message, "First response") == "median **30 min** · average **30 min** (1 ticket)"
    assert embed["image"]["url"] == f"attachment://{FILENAME}"
    [chart] = message["files"]
    png = base64.b64decode(chart["data"])
    assert chart["filename"] == FILENAME and png.startswith(PNG) and len(png) > 10_000
    buttons = message["components"][0]["components"]
    assert [(b["label"], b["custom_id"], b["style"]) for b in buttons] == [
        ("7 days", "ticket_stats:7d", 1),
        ("30 days", "ticket_stats:30d", 2),
        ("All time", "ticket_stats:all", 2),
    ]
    [row] = TicketMetrics.objects.all()
    assert (row.guild_id, row.scope, row.triggered_by, row.snapshot["opened"]) == (GUILD_ID, "7d", SUPPORTER, 1)


def test_a_member_is_refused_at_once_and_nothing_is_stored(desk):
    answer = handle_interaction(stats_command("member"))
    assert answer["type"] == 4 and answer["data"]["flags"] == 64
    assert answer["data"]["content"] == services.NOT_STAFF
    click = handle_interaction(scope_click("all", "member"))
    assert click["type"] == 4 and click["data"]["flags"] == 64 and click["data"]["content"] == services.NOT_STAFF
    assert not TicketMetrics.objects.exists()


def test_the_scope_in_a_custom_id_is_untrusted(desk):
    for target in ("1y", "7d;drop", "ALL", "30"):
        answer = handle_interaction(scope_click(target, "mod"))
        assert answer["type"] == 4 and answer["data"]["content"] == MALFORMED_COMPONENT, target
    assert not TicketMetrics.objects.exists()


def test_a_scope_button_redraws_the_same_message_with_a_new_chart(desk, emulator, settings):
    """The button's message (here one posted in a channel) is edited in place: the deferred
    update acknowledges the click, the follow-up edit replaces its embed, buttons and chart."""
    settings.DISCORD_APPLICATION_ID = emulator.application_id
    emulator.add_guild(guild_id=GUILD_ID, name="Desk")
    channel = emulator.add_channel(GUILD_ID, "staff")["id"]
    shown = emulator.add_message(channel, "the statistics of the last 7 days", author_id=emulator.state.bot_user_id)

    payload = scope_click("30d", "mod")
    payload["application_id"] = emulator.application_id
    payload["channel_id"] = channel
    payload["message"] = {"id": shown["id"], "channel_id": channel}
    emulator.add_interaction(
        payload["id"], payload["token"], type=3, channel_id=channel, guild_id=GUILD_ID, message_id=shown["id"]
    )
    answer = handle_interaction(payload)
    assert answer == {"type": 6}
    emulator.answer_over_http(payload["id"], payload["token"], answer)
    complete_deferred_interaction.apply(args=[payload]).get()

    edited = emulator.get_message(channel, shown["id"])
    assert [m["id"] for m in emulator.messages(channel)] == [shown["id"]]  # no new message
    assert edited["embeds"][0]["title"] == "Ticket statistics · last 30 days"
    assert (field(edited, "Opened"), field(edited, "Closed"), field(edited, "Rating")) == (
        "2",
        "1",
        "**5.00**/5 from 1 rating",
    )
    assert [b["style"] for b in edited["components"][0]["components"]] == [2, 1, 2]
    [attachment] = edited["attachments"]
    assert attachment["filename"] == FILENAME
    with urllib.request.urlopen(attachment["url"]) as response:
        assert response.read().startswith(PNG)
    assert list(TicketMetrics.objects.values_list("scope", flat=True)) == ["30d"]


def test_a_guild_without_configuration_is_refused(desk):
    other = GUILD_ID + 1
    answer = handle_interaction(command_payload("ticket_stats", guild_id=other, user_id=MOD, roles=(MOD_ROLE,)))
    assert answer["type"] == 4 and answer["data"]["content"] == NEEDS_CONFIG.format(guild_id=other)
    assert not TicketMetrics.objects.exists()
