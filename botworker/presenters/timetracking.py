"""How time tracking looks in Discord: the session card and its buttons, the forgotten-session
and automatic clock-out DMs, and the weekly table of `/alloc show` and of the summary DM. Used by
the handlers that answer commands and clicks and by the receivers that DM users."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from botworker.interactions import Reply, button
from botworker.presenters.text import timestamp
from timetracking.durations import format_duration
from timetracking.models import FocusSession
from timetracking.selectors import WeeklyReport

PRIMARY, SECONDARY, SUCCESS, DANGER = 1, 2, 3, 4
BAR_CELLS = 10

NOTHING_THIS_WEEK = (
    "Nothing planned or tracked this week yet. Plan with `/alloc set subject:<name> hours:<number>` "
    "and track with `/session in subject:<name>`."
)

_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()-])")


def escape(text: str) -> str:
    """Text shown as typed, not as Discord markdown."""
    return _MARKDOWN.sub(r"\\\1", text)


# ---------------------------------------------------------------------------- session card


def _purpose_line(session: FocusSession) -> str:
    if session.goal:
        return f"Purpose: {escape(session.goal)}"
    if session.status == FocusSession.Status.ENDED_CONFIRMED:
        return "Purpose: none"
    return "Purpose: none (use *Edit purpose* to add one)"


def session_card(session: FocusSession, *, now: datetime, note: str = "", update: bool = False) -> Reply:
    """The message showing a session and the buttons its status allows."""
    sid = session.pk
    subject = escape(session.subject.name)
    lines = [note] if note else []
    rows: list[list[dict]] = []
    if session.is_active:
        paused = session.status == FocusSession.Status.PAUSED
        title = "⏸️ **Session paused**" if paused else "⏱️ **Session running**"
        lines += [
            f"{title} · **{subject}**",
            _purpose_line(session),
            f"Started {timestamp(session.started_at, 'f')} ({timestamp(session.started_at, 'R')})",
            f"So far: **{format_duration(session.effective_seconds(now))}** effective · "
            f"{format_duration(session.paused_seconds(now))} paused",
        ]
        if paused:
            lines.append(f"Paused since {timestamp(session.pause_started_at, 't')}.")
        rows.append(
            [
                button("Resume", f"resume:{sid}", style=SUCCESS, emoji="▶️")
                if paused
                else button("Pause", f"pause:{sid}", style=SECONDARY, emoji="⏸️"),
                button("Clock out", f"out:{sid}", style=DANGER, emoji="🛑"),
                button("Edit purpose", f"edit_purpose:{sid}", style=SECONDARY, emoji="✏️"),
            ]
        )
    else:
        confirmed = session.status == FocusSession.Status.ENDED_CONFIRMED
        title = "✅ **Session confirmed**" if confirmed else "🛑 **Clocked out**"
        effective = format_duration(session.effective_seconds(now))
        lines += [
            f"{title} · **{subject}**",
            _purpose_line(session),
            f"{timestamp(session.started_at, 'f')} → {timestamp(session.ended_at, 't')}",
            f"Measured: {format_duration(session.measured_seconds(now))} · "
            f"Paused: {format_duration(session.paused_seconds(now))} · Effective: **{effective}**",
        ]
        if session.effective_override_seconds is not None:
            lines.append(f"(adjusted; measured minus paused is {format_duration(session.computed_seconds(now))})")
        if not confirmed:
            lines.append("Confirm to finalise, or adjust the time if you clocked out late.")
            rows.append(
                [
                    button("Confirm", f"confirm:{sid}", style=SUCCESS, emoji="✅"),
                    button("Reopen", f"reopen:{sid}", style=SECONDARY, emoji="↩️"),
                    button("Adjust time", f"adjust_time:{sid}", style=PRIMARY, emoji="✏️"),
                    button("Edit purpose", f"edit_purpose:{sid}", style=SECONDARY, emoji="✏️"),
                ]
            )
    return Reply(content="\n".join(lines), components=rows, update=update)


def forgotten_message(session: FocusSession, *, hours: int) -> Reply:
    """The DM asking about a session left running."""
    since = session.last_activity_at
    lines = [
        f"⏰ Your focus session on **{escape(session.subject.name)}** has been running for {hours} hours "
        f"without a sign of life (last one {timestamp(since, 'f')}).",
        "Still at it? If I hear nothing, I'll clock it out at "
        f"{timestamp(since + timedelta(hours=2 * hours), 'f')}, counting time up to {timestamp(since, 't')}; you can adjust it then.",
    ]
    rows = [
        [
            button("Clock out", f"out:{session.pk}", style=DANGER, emoji="🛑"),
            button("Keep going", f"keep_going:{session.pk}", style=PRIMARY, emoji="👍"),
        ]
    ]
    return Reply(content="\n".join(lines), components=rows)


def auto_clock_out_message(session: FocusSession, *, now: datetime) -> Reply:
    """The DM after a forgotten session was clocked out automatically (at its last sign of life;
    when there was none after the start, it says plainly that the session counts nothing yet)."""
    if session.ended_at <= session.started_at:
        note = (
            f"🤖 I clocked out your forgotten session: there was no sign of life after you clocked in "
            f"({timestamp(session.started_at, 'f')}), so it counts **0m**. Adjust the time to what you worked, "
            "then confirm."
        )
    else:
        note = (
            f"🤖 I clocked out your forgotten session at its last sign of life ({timestamp(session.ended_at, 'f')}). "
            "If you worked longer, adjust the time; then confirm."
        )
    return session_card(session, now=now, note=note)


# ---------------------------------------------------------------------------- weekly report


def progress_bar(fraction: float | None) -> str:
    if fraction is None:
        return "░" * BAR_CELLS
    filled = max(0, min(BAR_CELLS, round(fraction * BAR_CELLS)))
    return "█" * filled + "░" * (BAR_CELLS - filled)


def _left(remaining: int) -> str:
    return f"{format_duration(remaining)} left" if remaining >= 0 else f"{format_duration(-remaining)} over"


def report_text(report: WeeklyReport, *, title: str = "This week") -> str:
    """The weekly table of `/alloc show` and of the weekly summary DM."""
    week = report.week
    header = f"📊 **{title}** · {week.start_date:%a %d %b} – {week.end_date:%a %d %b %Y} ({week.timezone})"
    if report.is_empty:
        return f"{header}\n{NOTHING_THIS_WEEK}"
    lines = [header]
    for line in report.lines:
        name = f"**{escape(line.subject)}**" + (" ⏱️" if line.running else "")
        tracked = format_duration(line.tracked_seconds)
        if line.allocated_minutes is None:
            lines.append(f"{name}\n`{progress_bar(None)}` {tracked} tracked · no allocation")
            continue
        percent = f"{round(line.progress * 100)}%" if line.progress is not None else "—"
        lines.append(
            f"{name}\n`{progress_bar(line.progress)}` {percent} · {tracked} of "
            f"{format_duration(line.allocated_seconds)} · {_left(line.remaining_seconds)}"
        )
    lines.append(
        f"**Total:** {format_duration(report.total_tracked_seconds)} tracked of "
        f"{format_duration(report.total_allocated_minutes * 60)} allocated · {_left(report.total_remaining_seconds)}"
    )
    return "\n".join(lines)


def weekly_summary_message(report: WeeklyReport) -> Reply:
    return Reply(content=report_text(report, title="Your week"))
