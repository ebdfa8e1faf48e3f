"""The statistics as Discord shows them, for the hand-computed world of
`support.tests.stats_world` (7d: see support/tests/test_stats.py), and the chart image: a PNG of
the size drawn, not empty, the same for the same figures; "No tickets yet" before any ticket."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from botworker.presenters import support_stats as presenter
from support import charts
from support.services.stats import ticket_stats
from support.tests.factories import GUILD, MOD, SUPPORTER
from support.tests.stats_world import NOW, build_world

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (45, "45 s"),
        (1800, "30 min"),
        (3599, "1 h 00 min"),
        (3600 + 5 * 60, "1 h 05 min"),
        (86400, "1 d 0 h"),
        (259200.5, "3 d 0 h"),
        (201600.33, "2 d 8 h"),
    ],
)
def test_durations_for_people(seconds, text):
    assert presenter.duration(seconds) == text


def test_the_seven_days_as_shown_in_discord():
    build_world()
    stats = ticket_stats(guild_id=GUILD, scope="7d", now=NOW)
    reply = presenter.stats_answer(stats, update=True)
    assert reply.update and reply.ephemeral
    [embed] = reply.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert embed["title"] == "Ticket statistics · last 7 days"
    since, until = int((NOW - timedelta(days=7)).timestamp()), int(NOW.timestamp())
    assert embed["description"] == f"From <t:{since}:f> to <t:{until}:f> (both included)."
    assert fields["Tickets now"] == (
        "🟢 open **1** · 🙋 claimed **1** · ⏳ waiting for user **0** · ⬆️ escalated **0** · 🔒 closed **5** · 🗑️ archived **0**"
    )
    assert (fields["Opened"], fields["Closed"]) == ("3", "2")
    assert fields["First response"] == "median **40 min** · average **40 min** (2 tickets)"
    assert fields["Resolution"] == "median **3 d 0 h** · average **3 d 0 h** (2 tickets)"
    assert fields["Staff"] == f"<@{MOD}>: claimed 2 · closed 1\n<@{SUPPORTER}>: claimed 0 · closed 1"
    assert fields["Rating"] == "**4.00**/5 from 1 rating"
    assert fields["Top topics"] == "1. login (2)\n2. Crash (1)"
    [chart] = reply.files
    assert chart.filename == charts.FILENAME and embed["image"]["url"] == f"attachment://{charts.FILENAME}"


def test_all_time_shows_the_auto_close_and_no_span_start():
    build_world()
    reply = presenter.stats_answer(ticket_stats(guild_id=GUILD, scope="all", now=NOW))
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert reply.embeds[0]["description"] == f"Every ticket up to <t:{int(NOW.timestamp())}:f>."
    assert fields["Staff"].endswith("\nauto-close: closed 1")
    assert fields["Top topics"] == "1. Login (3)\n2. Crash (2)\n3. Billing (2)"


@pytest.mark.parametrize("scope", ["7d", "30d", "all"])
def test_the_chart_is_a_png_of_the_size_drawn(scope):
    build_world()
    png = charts.render_stats_chart_png(ticket_stats(guild_id=GUILD, scope=scope, now=NOW))
    assert png.startswith(PNG)
    image = Image.open(io.BytesIO(png))
    assert image.size == (charts.WIDTH, charts.HEIGHT)
    # Not empty: bars in both colours are drawn.
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 16)}
    assert charts.OPENED in colours and charts.CLOSED in colours
    assert charts.render_stats_chart_png(ticket_stats(guild_id=GUILD, scope=scope, now=NOW)) == png


def test_no_tickets_yet_is_a_sentence_and_empty_days_are_drawn():
    nothing = charts.render_stats_chart_png(ticket_stats(guild_id=GUILD, scope="all", now=NOW))
    assert Image.open(io.BytesIO(nothing)).size == (charts.WIDTH, charts.EMPTY_H)
    week = Image.open(io.BytesIO(charts.render_stats_chart_png(ticket_stats(guild_id=GUILD, scope="7d", now=NOW))))
    colours = {colour for _, colour in week.getcolors(maxcolors=1 << 16)}
    assert charts.ZERO in colours and charts.OPENED in colours  # the zero stubs, and the legend's swatch
