"""/ticket_stats with the real bot process (`manage.py runbot`, discord.py) against the Discord
emulator: the bot answers the command over the gateway ("thinking…"), the deferred answer's task
(run here as a Celery worker would run it) replaces it with the figures and uploads the chart PNG;
a staff member's click on "30 days" redraws that same message with a new chart, and a member's
click is refused at once, leaving it as it is."""

from __future__ import annotations

import io
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from botworker.guilds import guild_configure
from botworker.models import InteractionRecord
from botworker.presenters import support_stats as presenter
from botworker.tasks import complete_deferred_interaction
from botworker.tests.factories import command_payload, component_payload
from botworker.tests.test_bot import GUILD, MEMBER, BotProcess, bot_env, gateway_answer, start_ready  # noqa: F401
from conftest import wait_for
from support import services
from support.charts import FILENAME, HEIGHT, WIDTH
from support.models import SupportTicket, TicketMetrics, TicketStatus, TicketStatusChange

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MODERATOR = 835_555_555_555_555_555


@pytest.fixture
def stats_bot(bot_env, tmp_path):  # noqa: F811 - the fixture
    """The bot with its Celery broker in a folder of this test: the follow-up tasks it queues are
    run by the test itself, and nothing is left in a shared broker."""
    env = {**bot_env, "REDIS_URL": "", "GUILDHALL_VAR_DIR": str(tmp_path / "var")}
    process = BotProcess(env, tmp_path)
    yield process
    process.kill()


@pytest.fixture
def desk(emulator) -> dict:
    emulator.add_guild(guild_id=str(GUILD), name="Raiders")
    staff = emulator.add_channel(str(GUILD), "staff")
    moderators = emulator.add_role(str(GUILD), "Moderators")
    emulator.add_member(str(GUILD), str(MEMBER))
    emulator.add_member(str(GUILD), str(MODERATOR), roles=[moderators["id"]])
    guild_configure(guild_id=GUILD, moderator_role_ids=[int(moderators["id"])])
    # Two tickets: one opened 3 days ago and closed 2 hours later; one opened 20 days ago, open.
    now = timezone.now()
    for number, (opened, closed) in enumerate(
        [(now - timedelta(days=3), now - timedelta(days=3) + timedelta(hours=2)), (now - timedelta(days=20), None)],
        start=1,
    ):
        ticket = SupportTicket.objects.create(
            guild_id=GUILD,
            number=number,
            user_id=MEMBER,
            topic="Lost items",
            status=TicketStatus.CLOSED if closed else TicketStatus.OPEN,
            requester_last_message_at=opened,
            closed_by=MODERATOR if closed else None,
            closed_at=closed,
        )
        TicketStatusChange.objects.create(ticket=ticket, to_status=TicketStatus.OPEN, changed_at=opened)
        if closed:
            TicketStatusChange.objects.create(
                ticket=ticket,
                from_status="open",
                to_status=TicketStatus.CLOSED,
                changed_by=MODERATOR,
                changed_at=closed,
            )
    return {"channel": staff["id"], "moderators": moderators["id"]}


def follow_up(interaction_id: str) -> None:
    """Run the deferred answer's task, as the Celery worker does, with the payload the bot kept."""
    record = wait_for(
        lambda: InteractionRecord.objects.filter(
            interaction_id=int(interaction_id), deferred_payload__isnull=False
        ).first(),
        timeout=20,
        message="the deferred interaction recorded by the bot",
    )
    complete_deferred_interaction.apply(args=[record.deferred_payload]).get()


def chart_of(message: dict) -> Image.Image:
    [attachment] = message["attachments"]
    assert attachment["filename"] == FILENAME
    with urllib.request.urlopen(attachment["url"]) as response:
        png = response.read()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) == attachment["size"]
    return Image.open(io.BytesIO(png))


def fields(message: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}


def test_ticket_stats_over_the_gateway_with_its_chart_and_scope_buttons(emulator, desk, stats_bot):
    start_ready(stats_bot, emulator)
    command = command_payload("ticket_stats", guild_id=GUILD, user_id=MODERATOR, roles=(desk["moderators"],))
    command.update(channel_id=desk["channel"], application_id=emulator.application_id)
    sent = emulator.send_interaction(command)
    [thinking] = wait_for(lambda: emulator.interaction_responses(sent["id"]), timeout=20, message="the bot's answer")
    assert thinking == {"type": 5, "data": {"flags": 64}}
    follow_up(sent["id"])

    shown = emulator.original_response(emulator.application_id, sent["token"])
    assert shown["embeds"][0]["title"] == "Ticket statistics · last 7 days"
    assert (fields(shown)["Opened"], fields(shown)["Closed"]) == ("1", "1")
    assert fields(shown)["Resolution"] == "median **2 h 00 min** · average **2 h 00 min** (1 ticket)"
    assert shown["embeds"][0]["image"]["url"] == f"attachment://{FILENAME}"
    assert chart_of(shown).size == (WIDTH, HEIGHT)

    # A staff member's click on "30 days": the same message is redrawn.
    [buttons] = shown["components"]
    month = next(b for b in buttons["components"] if b["custom_id"] == f"{presenter.STATS_ACTION}:30d")
    click = component_payload(month["custom_id"], guild_id=GUILD, user_id=MODERATOR, roles=(desk["moderators"],))
    click.update(channel_id=desk["channel"], application_id=emulator.application_id, message=shown)
    assert gateway_answer(emulator, click, timeout=20) == {"type": 6}
    follow_up(click["id"])
    redrawn = emulator.original_response(emulator.application_id, sent["token"])
    assert redrawn["id"] == shown["id"]
    assert redrawn["embeds"][0]["title"] == "Ticket statistics · last 30 days"
    assert (fields(redrawn)["Opened"], fields(redrawn)["Closed"]) == ("2", "1")
    assert chart_of(redrawn).size == (WIDTH, HEIGHT)
    assert redrawn["attachments"][0]["id"] != shown["attachments"][0]["id"]  # a new chart, not the old one

    # A member's click is refused at once; the message stays as it is.
    refused = component_payload(f"{presenter.STATS_ACTION}:all", guild_id=GUILD, user_id=MEMBER)
    refused.update(channel_id=desk["channel"], application_id=emulator.application_id, message=redrawn)
    answer = gateway_answer(emulator, refused, timeout=20)
    assert answer["type"] == 4 and answer["data"]["flags"] == 64 and answer["data"]["content"] == services.NOT_STAFF
    assert emulator.original_response(emulator.application_id, sent["token"]) == redrawn
    assert list(TicketMetrics.objects.order_by("id").values_list("scope", "triggered_by")) == [
        ("7d", MODERATOR),
        ("30d", MODERATOR),
    ]
