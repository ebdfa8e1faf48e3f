"""How time tracking looks in Discord: the session card and its buttons, the forgotten-session
and automatic clock-out DMs, and the weekly table of `/alloc show` and of the summary DM. Used by
the handlers that answer commands and clicks and by the receivers that DM users."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from botworker.interactions import PagedText, Reply, button
from botworker.interactions.paging import render_page
from botworker.presenters.text import timestamp
from timetracking.durations import format_duration
from timetracking.models import FocusSession
from timetracking.selectors import SubjectLine, WeeklyReport

PRIMARY, SECONDARY, SUCCESS, DANGER = 1, 2, 3, 4
BAR_CELLS = 10

# The paged lists of the weekly table (registered by the handlers): `/alloc show` (this week)
# and the summary DM (its argument is the week's Monday, YYYY-MM-DD).
ALLOC_SHOW_LIST = "alloc_show"
WEEK_SUMMARY_LIST = "week_summary"
SUBJECTS_PER_PAGE = 10

NOTHING_PLANNED = "nothing planned this week. Plan hours with `/alloc set subject:<name> hours:<number>`."
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


def minutes(count: int) -> str:
    """Whole minutes as the weekly table writes them: ``2h 34m``, ``45m``, ``0m``."""
    return format_duration(count * 60)


def _left(remaining_minutes: int) -> str:
    return f"{minutes(remaining_minutes)} left" if remaining_minutes >= 0 else f"{minutes(-remaining_minutes)} over"


def _subject_entry(line: SubjectLine) -> str:
    """One subject: its name, then its bar and figures (two lines, never split across pages)."""
    name = f"**{escape(line.subject)}**" + (" ⏱️" if line.running else "")
    tracked = minutes(line.tracked_minutes)
    if line.allocated_minutes is None:
        return f"{name}\n`{progress_bar(None)}` {tracked} tracked · no allocation"
    percent = f"{round(line.progress * 100)}%" if line.progress is not None else "—"
    return (
        f"{name}\n`{progress_bar(line.progress)}` {percent} · {tracked} of "
        f"{minutes(line.allocated_minutes)} · {_left(line.remaining_minutes)}"
    )


def _total(report: WeeklyReport) -> str:
    tracked = minutes(report.total_tracked_minutes)
    if not report.has_allocations:
        return f"**Total:** {tracked} tracked · {NOTHING_PLANNED}"
    return (
        f"**Total:** {tracked} tracked of {minutes(report.total_allocated_minutes)} allocated · "
        f"{_left(report.total_remaining_minutes)}"
    )


def report_pages(report: WeeklyReport, *, title: str = "This week") -> PagedText:
    """The weekly table of `/alloc show` and of the weekly summary DM, as a paged list: the week
    on every page, one entry per subject, and the total on every page.

    Tracked time counts in whole minutes, seconds rounded down (as on the session card); what is
    left, the percentage and the total are computed from those minutes, so every row and the
    total add up exactly."""
    week = report.week
    header = f"📊 **{title}** · {week.start_date:%a %d %b} – {week.end_date:%a %d %b %Y} ({week.timezone})"
    if report.is_empty:
        return PagedText(lines=[], header=header, empty=NOTHING_THIS_WEEK)
    return PagedText(
        lines=[_subject_entry(line) for line in report.lines],
        header=header,
        footer=_total(report),
        max_lines=SUBJECTS_PER_PAGE,
    )


def weekly_summary_message(report: WeeklyReport) -> Reply:
    """The summary DM of a week: its first page, with Previous/Next when the week has more
    subjects than a page holds (the list `week_summary`, whose argument is the week's Monday)."""
    return render_page(
        WEEK_SUMMARY_LIST,
        report.week.start_date.isoformat(),
        report_pages(report, title="Your week"),
        page=0,
        ephemeral=False,
    )
