"""How the roster, availability, the best raid time, raid events and attendance look in Discord.

Handlers (answering a command or a click) and receivers (posting and editing through the outbox)
both build their messages here, so a raid event looks the same in its post, its edits and the
DMs about it. Instants are Discord timestamps (every reader sees their own local time), members
are mentions.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from attendance.models import RaidEvent, RaidSeason
from attendance.selectors import PlayerStats
from botworker.interactions import PagedText, Reply, ReplyFile, button
from botworker.presenters.text import channel_mention, timestamp, user_mention
from config.timeutils import DAY_NAMES
from scheduling.besttime import RosterEntry
from scheduling.heatmap import render_heatmap_png
from scheduling.models import Player, PlayerAvailability
from scheduling.selectors import RaidTimeOverview

SIGNUP_ACTION = "raid_signup"
TENTATIVE_ACTION = "raid_tentative"
DECLINE_ACTION = "raid_decline"
DECLINE_MODAL = "raid_decline_reason"
LIST_LIMIT = 40  # names per answer in the event message; the rest is a count
MISSING_SHOWN = 8
HEATMAP_FILE = "raid-availability.png"

INVITE_DM = "📅 You're invited: **{title}** starts <t:{ts}:F> (<t:{ts}:R>). Will you come?"
MOVED_DM = "🕒 **{title}** has moved: it now starts <t:{ts}:F> (<t:{ts}:R>) and ends <t:{end}:t>."
CANCELLED_DM = "🚫 **{title}** (<t:{ts}:F>) has been cancelled."
REMINDER_DM = "⏰ **{title}** starts <t:{ts}:R> (<t:{ts}:F>). See you there!"
SUMMARY_TITLE = "Attendance: {title}"
NO_AVAILABILITY = "You have not set any availability yet. Use `/availability set`."
NO_SLOTS = (
    "Nobody who counts is free for a whole {length:g}-hour raid starting between {start} and {end}; "
    "the heatmap shows when they are free for shorter."
)
NOBODY_COUNTS = (
    "Nobody who counts for raid times (a rank weight above 0) is available between {start} and {end}, "
    "so there is no best time to suggest. Players set their times with `/availability set`."
)
HEATMAP_DESCRIPTION = "Weighted availability heatmap with the best starts outlined"
NO_STATS = "No attendance to show yet: {whom} not on this guild's roster."
ANSWER_TEXT = {
    "signed_up": "✅ You're signed up for **{title}** ({start}).",
    "tentative": "❔ You're tentative for **{title}** ({start}).",
    "declined": "❌ Noted: you can't come to **{title}**. Thanks for telling us.",
}


def hours(value) -> str:
    return f"{float(value):g} h"


def member_name(player: Player) -> str:
    """A player as Discord shows them in a list: a mention."""
    return user_mention(player.discord_user_id)


def names(players: list[Player]) -> str:
    shown = ", ".join(member_name(player) for player in players[:LIST_LIMIT])
    more = len(players) - LIST_LIMIT
    return (shown + (f" and {more} more" if more > 0 else "")) or "—"


# ---------------------------------------------------------------------------- availability and profile


def availability_saved(row: PlayerAvailability, zone: zoneinfo.ZoneInfo) -> Reply:
    return Reply(
        content=(
            f"✅ {DAY_NAMES[row.day_of_week]}: from {row.earliest_start:%H:%M} for {hours(row.available_hours)} "
            f"({zone.key}). Wrong zone? `/timezone set`."
        ),
        ephemeral=True,
    )


def availability_cleared(day_of_week: int | None, removed: int) -> Reply:
    scope = DAY_NAMES[day_of_week] if day_of_week is not None else "the whole week"
    return Reply(content=f"🧹 Cleared {scope} ({removed} window{'s' if removed != 1 else ''}).", ephemeral=True)


def availability_page(zone: zoneinfo.ZoneInfo | None, rows: list[tuple[PlayerAvailability, dt.datetime]]) -> PagedText:
    """`/availability view` as a paged list: one line per window with its next start."""
    lines = [
        f"• **{DAY_NAMES[row.day_of_week]}** from {row.earliest_start:%H:%M} for {hours(row.available_hours)}"
        f" — next {timestamp(next_start, 'F')}"
        for row, next_start in rows
    ]
    header = f"Your availability ({zone.key}):" if lines and zone is not None else ""
    return PagedText(lines=lines, header=header, empty=NO_AVAILABILITY)


def zone_saved(player: Player) -> Reply:
    return Reply(content=f"🌍 Your time zone is now **{player.timezone.key}**.", ephemeral=True)


def auto_invite_saved(enabled: bool) -> Reply:
    if enabled:
        return Reply(content="📬 You'll get a DM invitation for every new raid event.", ephemeral=True)
    return Reply(content="📭 No more DM invitations for new raid events.", ephemeral=True)


# ---------------------------------------------------------------------------- the best raid time


def _entry_name(entry: RosterEntry) -> str:
    return entry.name or user_mention(entry.discord_user_id)


def raid_time_answer(overview: RaidTimeOverview, *, length: float, zone: zoneinfo.ZoneInfo) -> Reply:
    """The best starts as an embed with the heatmap PNG attached (a deferred answer), the slots
    outlined and numbered in the picture as in the list. When nobody who counts (rank weight above
    0) is available at all, the answer says so in words and attaches no picture."""
    slots = overview.slots
    span = {"start": timestamp(overview.range_start, "f"), "end": timestamp(overview.range_end, "f")}
    if overview.heatmap.peak == 0:
        return Reply(content=NOBODY_COUNTS.format(**span), ephemeral=True)
    if not slots or slots[0].score == 0:
        heatmap = ReplyFile(
            HEATMAP_FILE, render_heatmap_png(overview.heatmap, length=overview.length), HEATMAP_DESCRIPTION
        )
        embed = {
            "title": f"Best {length:g}-hour raid starts",
            "description": NO_SLOTS.format(length=length, **span),
            "color": 0x5865F2,
            "image": {"url": f"attachment://{HEATMAP_FILE}"},
        }
        return Reply(embeds=[embed], files=[heatmap], ephemeral=True)
    fields = []
    for index, slot in enumerate(slots, start=1):
        missing = [entry for entry in slot.missing if entry.weight > 0]
        shown = ", ".join(f"{_entry_name(entry)} ({entry.weight})" for entry in missing[:MISSING_SHOWN])
        if len(missing) > MISSING_SHOWN:
            shown += f" and {len(missing) - MISSING_SHOWN} more"
        fields.append(
            {
                "name": f"{index}. {timestamp(slot.start, 'F')}",
                "value": (
                    f"Score **{slot.score}** · {slot.head_count} players ({timestamp(slot.start, 'R')})\n"
                    f"Missing: {shown or 'nobody who counts'}"
                ),
            }
        )
    embed = {
        "title": f"Best {length:g}-hour raid starts",
        "description": (
            "Score = sum of rank weights of the players whose availability covers the whole raid. "
            f"Starts from {span['start']} to {span['end']}."
        ),
        "color": 0x5865F2,
        "fields": fields,
        "image": {"url": f"attachment://{HEATMAP_FILE}"},
        "footer": {"text": f"Heatmap: rows are days, columns the clock in {zone.key}; boxes 1-{len(slots)} as listed"},
    }
    png = render_heatmap_png(overview.heatmap, slots=slots, length=overview.length)
    return Reply(embeds=[embed], files=[ReplyFile(HEATMAP_FILE, png, HEATMAP_DESCRIPTION)], ephemeral=True)


# ---------------------------------------------------------------------------- raid events


def answer_buttons(event_id: int) -> list[list[dict]]:
    return [
        [
            button("Sign up", f"{SIGNUP_ACTION}:{event_id}", style=3, emoji="✅"),
            button("Tentative", f"{TENTATIVE_ACTION}:{event_id}", style=2, emoji="❔"),
            button("Can't come", f"{DECLINE_ACTION}:{event_id}", style=4, emoji="❌"),
        ]
    ]


def event_message(event: RaidEvent, answers: dict[str, list[Player]]) -> Reply:
    """The event's post: title, start and end as Discord timestamps, notes, the answers so far,
    and the three answer buttons. The footer names the season when `event` carries the
    `season_name` annotation (`RaidEvent.objects.with_season()`)."""
    start, end = event.start_time_utc, event.end_time_utc
    description = f"{timestamp(start, 'F')} – {timestamp(end, 't')} ({timestamp(start, 'R')})"
    if event.log_url:
        description += f"\n[Logs]({event.log_url})"
    cancelled = event.cancelled_at is not None
    embed = {
        "title": f"🚫 Cancelled: {event.title}" if cancelled else f"📅 {event.title}",
        "description": description + (f"\n\n{event.notes}" if event.notes else ""),
        "color": 0x99AAB5 if cancelled else 0x5865F2,
        "fields": [
            {"name": f"✅ Signed up ({len(answers['signed_up'])})", "value": names(answers["signed_up"])},
            {"name": f"❔ Tentative ({len(answers['tentative'])})", "value": names(answers["tentative"])},
            {"name": f"❌ Can't come ({len(answers['declined'])})", "value": names(answers["declined"])},
        ],
        "footer": {
            "text": f"Event #{event.pk}" + (f" · {season}" if (season := getattr(event, "season_name", None)) else "")
        },
    }
    return Reply(embeds=[embed], components=[] if cancelled else answer_buttons(event.pk))


def event_created(event: RaidEvent, channel_id: int) -> Reply:
    return Reply(
        content=(
            f"📅 Created **{event.title}** (#{event.pk}) for {timestamp(event.start_time_utc, 'F')}; "
            f"posting it in {channel_mention(channel_id)}."
        ),
        ephemeral=True,
    )


def invite_dm(event: RaidEvent) -> Reply:
    ts = int(event.start_time_utc.timestamp())
    return Reply(content=INVITE_DM.format(title=event.title, ts=ts), components=answer_buttons(event.pk))


def event_updated(event: RaidEvent) -> Reply:
    return Reply(
        content=f"✏️ Updated **{event.title}** (#{event.pk}): {timestamp(event.start_time_utc, 'F')}"
        f" – {timestamp(event.end_time_utc, 't')}" + (f", logs: <{event.log_url}>" if event.log_url else "") + ".",
        ephemeral=True,
    )


def event_cancelled(event: RaidEvent) -> Reply:
    return Reply(content=f"🚫 Cancelled **{event.title}** (#{event.pk}); those signed up are told.", ephemeral=True)


def moved_dm(event: RaidEvent) -> Reply:
    ts, end = int(event.start_time_utc.timestamp()), int(event.end_time_utc.timestamp())
    return Reply(content=MOVED_DM.format(title=event.title, ts=ts, end=end), components=answer_buttons(event.pk))


def cancelled_dm(event: RaidEvent) -> Reply:
    return Reply(content=CANCELLED_DM.format(title=event.title, ts=int(event.start_time_utc.timestamp())))


def reminder_dm(event: RaidEvent) -> Reply:
    return Reply(content=REMINDER_DM.format(title=event.title, ts=int(event.start_time_utc.timestamp())))


def answer_saved(answer: str, event: RaidEvent) -> Reply:
    text = ANSWER_TEXT[answer].format(title=event.title, start=timestamp(event.start_time_utc, "F"))
    return Reply(content=text, ephemeral=True)


def summary_message(event: RaidEvent, summary: dict) -> Reply:
    total = sum(len(summary[key]) for key in ("attended", "excused", "unexcused"))
    embed = {
        "title": SUMMARY_TITLE.format(title=event.title),
        "description": f"{timestamp(event.start_time_utc, 'F')} · {len(summary['attended'])} of {total} attended",
        "color": 0x3498DB,
        "fields": [
            {"name": f"✅ Attended ({len(summary['attended'])})", "value": names(summary["attended"])},
            {"name": f"📝 Excused ({len(summary['excused'])})", "value": names(summary["excused"])},
            {"name": f"⚠️ Absent without notice ({len(summary['unexcused'])})", "value": names(summary["unexcused"])},
        ],
        "footer": {"text": f"Event #{event.pk}"},
    }
    return Reply(embeds=[embed])


# ---------------------------------------------------------------------------- attendance


def attendance_recorded(*, discord_user_id: int, attended: bool, event: RaidEvent) -> Reply:
    verb = "attended" if attended else "did not attend"
    return Reply(content=f"📝 Recorded: {user_mention(discord_user_id)} {verb} **{event.title}**.", ephemeral=True)


def statistics(stats: Iterable[PlayerStats], *, season: RaidSeason | None, own: bool) -> PagedText:
    """Attendance lines, best rate first, as a paged list. Events count where the player was
    expected (signed up, attended, or on the raid team)."""
    stats = sorted(stats, key=lambda s: (-(s.rate or 0), -s.events, str(s.player)))
    lines = []
    for each in stats:
        rate = f"{each.rate:.0%}" if each.rate is not None else "—"
        lines.append(
            f"{member_name(each.player)}: {rate} · {each.attended}/{each.events} attended, "
            f"{each.excused} excused, {each.unexcused} unexcused"
        )
    return PagedText(
        lines=lines,
        header=f"**Attendance — {season.name if season else 'all seasons'}**",
        footer=f"-# Counted: raids each player was expected at (signed up, attended, or on the raid team). "
        f"{len(stats)} player{'s' if len(stats) != 1 else ''}.",
        empty=NO_STATS.format(whom="you are" if own else "that member is"),
    )
