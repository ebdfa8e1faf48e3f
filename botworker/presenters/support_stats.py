"""How the ticket statistics look in Discord: one embed with the figures of a scope, the chart
of tickets opened and closed per day attached as its image, and the 7d / 30d / all buttons that
redraw the same message for another scope (their custom_id carries the scope)."""

from __future__ import annotations

from botworker.interactions import Reply, ReplyFile, button
from botworker.presenters.text import discord_format, user_mention
from support.charts import FILENAME, render_stats_chart_png
from support.models import StatsScope, TicketStatus
from support.services.stats import Durations, TicketStats

STATS_ACTION = "ticket_stats"
SCOPE_TARGET = "|".join(StatsScope.values)  # the custom_id's scope: 7d, 30d or all
BUTTON_LABELS = {StatsScope.WEEK: "7 days", StatsScope.MONTH: "30 days", StatsScope.ALL: "All time"}
STAFF_SHOWN = 12
COLOUR = 0x5865F2

TITLE = "Ticket statistics · {scope}"
SPAN = "From {since:f} to {until:f} (both included)."
SPAN_ALL = "Every ticket up to {until:f}."
CHART_DESCRIPTION = "Tickets opened and closed per day"
FOOTER = "Days are UTC days. Response: opening → first staff message. Resolution: opening → close."
STATUS_ICONS = {
    TicketStatus.OPEN: "🟢",
    TicketStatus.CLAIMED: "🙋",
    TicketStatus.WAITING_FOR_USER: "⏳",
    TicketStatus.ESCALATED: "⬆️",
    TicketStatus.CLOSED: "🔒",
    TicketStatus.ARCHIVED: "🗑️",
}
NO_VALUE = "—"


def duration(seconds: float | None) -> str:
    """A duration for people: "45 s", "12 min", "3 h 05 min", "2 d 4 h"."""
    if seconds is None:
        return NO_VALUE
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    hours = round(seconds / 3600)
    return f"{hours // 24} d {hours % 24} h"


def _durations(figures: Durations, what: str) -> str:
    if not figures.count:
        return f"no {what} yet"
    tickets = "ticket" if figures.count == 1 else "tickets"
    return (
        f"median **{duration(figures.median_seconds)}** · average **{duration(figures.average_seconds)}**"
        f" ({figures.count} {tickets})"
    )


def _staff(stats: TicketStats) -> str:
    lines = [
        f"{user_mention(line.user_id)}: claimed {line.claimed} · closed {line.closed}"
        for line in stats.staff[:STAFF_SHOWN]
    ]
    if len(stats.staff) > STAFF_SHOWN:
        lines.append(f"and {len(stats.staff) - STAFF_SHOWN} more")
    if stats.auto_closed:
        lines.append(f"auto-close: closed {stats.auto_closed}")
    return "\n".join(lines) or "nobody claimed or closed a ticket"


def _rating(stats: TicketStats) -> str:
    if not stats.rating_count:
        return "no ratings"
    ratings = "rating" if stats.rating_count == 1 else "ratings"
    return f"**{stats.rating_average:.2f}**/5 from {stats.rating_count} {ratings}"


def _topics(stats: TicketStats) -> str:
    return "\n".join(f"{n}. {t.topic} ({t.count})" for n, t in enumerate(stats.top_topics, start=1)) or "none"


def scope_buttons(current: str) -> list[list[dict]]:
    return [
        [
            button(label, f"{STATS_ACTION}:{scope}", style=1 if scope == current else 2)
            for scope, label in BUTTON_LABELS.items()
        ]
    ]


def stats_answer(stats: TicketStats, *, update: bool = False) -> Reply:
    """The statistics of one scope with the chart attached; `update` when it redraws the message
    its scope button was on."""
    counts = " · ".join(
        f"{STATUS_ICONS[TicketStatus(status)]} {TicketStatus(status).label} **{count}**"
        for status, count in stats.counts.items()
    )
    span = (
        discord_format(SPAN, since=stats.since, until=stats.until)
        if stats.since
        else discord_format(SPAN_ALL, until=stats.until)
    )
    embed = {
        "title": TITLE.format(scope=StatsScope(stats.scope).label),
        "description": span,
        "color": COLOUR,
        "fields": [
            {"name": "Tickets now", "value": counts, "inline": False},
            {"name": "Opened", "value": str(stats.opened), "inline": True},
            {"name": "Closed", "value": str(stats.closed), "inline": True},
            {"name": "Rating", "value": _rating(stats), "inline": True},
            {"name": "First response", "value": _durations(stats.first_response, "responses"), "inline": False},
            {"name": "Resolution", "value": _durations(stats.resolution, "closed tickets"), "inline": False},
            {"name": "Staff", "value": _staff(stats), "inline": False},
            {"name": "Top topics", "value": _topics(stats), "inline": False},
        ],
        "image": {"url": f"attachment://{FILENAME}"},
        "footer": {"text": FOOTER},
    }
    chart = ReplyFile(FILENAME, render_stats_chart_png(stats), CHART_DESCRIPTION)
    return Reply(embeds=[embed], components=scope_buttons(stats.scope), files=[chart], ephemeral=True, update=update)
