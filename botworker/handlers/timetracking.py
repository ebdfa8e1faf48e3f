"""Time tracking in Discord: `/session …`, `/alloc …`, the session card's buttons and modals.

Sessions are personal: these commands need no guild configuration and work in direct messages.
Handlers translate (Discord input in, one service call, a reply out); every rule lives in
`timetracking` (status rules in `timetracking.rules`, writes in `timetracking.services`). The
buttons carry `action:<session id>`; the id is untrusted, so every click goes through a service
or `rules.check_action`, which re-check ownership and status.

How sessions and weeks look (`session_card`, `report_pages`, …) is in
`botworker.presenters.timetracking`, shared with the receivers that DM users.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from botworker.handlers.zones import register_zone_option
from botworker.interactions import (
    Choice,
    Invocation,
    Modal,
    Option,
    OptionType,
    PagedText,
    Reply,
    TextInput,
    paged_list,
    router,
)
from botworker.presenters.timetracking import ALLOC_SHOW_LIST, WEEK_SUMMARY_LIST, report_pages, session_card
from timetracking import rules, selectors, services
from timetracking.conf import forgotten_hours, summary_hour
from timetracking.durations import format_duration_input, parse_duration
from timetracking.models import FocusSession

TIMEZONE_SET = "Your weeks now start on Monday 00:00 in **{zone}**."
SUMMARY_ON = "I'll DM you a summary of your week every Monday from {hour:02d}:00 ({zone})."
SUMMARY_OFF = "No more weekly summaries. Turn them back on with `/session summary state:on`."
WEEK_GONE = "I can't read that week any more; use `/alloc show` for this week."
KEEP_GOING_NOTE = "👍 Keep going! I'll check again if there is no sign of life for {hours} hours."


# ---------------------------------------------------------------------------- commands

router.group("session", "Track focus sessions: clock in and out, pause and resume")
router.group("alloc", "Plan your week: hours per subject")

SUBJECT_OPTION = Option(
    "subject", "What you're working on (new names are created)", required=True, autocomplete=True, max_length=100
)
PURPOSE_OPTION = Option("purpose", "What this session is for", max_length=services.PURPOSE_MAX_LENGTH)


@router.command("session in", description="Clock in: start a focus session", options=[SUBJECT_OPTION, PURPOSE_OPTION])
def session_in(inv: Invocation) -> Reply:
    session = services.session_clock_in(
        user_id=inv.user_id, subject=inv.options["subject"], goal=inv.options.get("purpose")
    )
    return session_card(session, now=timezone.now())


@router.command(
    "session out",
    description="Clock out of your running session",
    options=[Option("purpose", "Set or correct the purpose", max_length=services.PURPOSE_MAX_LENGTH)],
)
def session_out(inv: Invocation) -> Reply:
    session = services.session_clock_out(user_id=inv.user_id, goal=inv.options.get("purpose"))
    return session_card(session, now=timezone.now())


@router.command("session pause", description="Pause your running session")
def session_pause(inv: Invocation) -> Reply:
    return session_card(services.session_pause(user_id=inv.user_id), now=timezone.now())


@router.command("session resume", description="Resume your paused session")
def session_resume(inv: Invocation) -> Reply:
    return session_card(services.session_resume(user_id=inv.user_id), now=timezone.now())


@router.command("session status", description="Show your running session (or the last one to confirm)")
def session_status(inv: Invocation) -> Reply:
    session = selectors.active_session(inv.user_id) or selectors.latest_unconfirmed_session(inv.user_id)
    if session is None:
        return Reply(content=rules.NO_ACTIVE_SESSION, ephemeral=True)
    reply = session_card(session, now=timezone.now())
    reply.ephemeral = True
    return reply


@router.command(
    "session timezone",
    description="Set your time zone (time tracking, availability, shifts)",
    options=[
        Option(
            "zone",
            "An IANA time zone, e.g. Australia/Sydney (any case)",
            required=True,
            autocomplete=True,
            max_length=64,
        )
    ],
)
def session_timezone(inv: Invocation) -> Reply:
    user = services.tracked_user_set_timezone(user_id=inv.user_id, zone=inv.options["zone"])
    return Reply(content=TIMEZONE_SET.format(zone=user.timezone), ephemeral=True)


@router.command(
    "session summary",
    description="Turn the Monday summary DM of your week on or off",
    options=[
        Option(
            "state",
            "on or off",
            required=True,
            choices=(Choice("on", "on"), Choice("off", "off")),
        )
    ],
)
def session_summary(inv: Invocation) -> Reply:
    user = services.tracked_user_set_weekly_summary(user_id=inv.user_id, enabled=inv.options["state"] == "on")
    if user.weekly_summary:
        return Reply(content=SUMMARY_ON.format(hour=summary_hour(), zone=user.timezone), ephemeral=True)
    return Reply(content=SUMMARY_OFF, ephemeral=True)


@router.command(
    "alloc set",
    description="Plan hours for a subject this week",
    options=[
        SUBJECT_OPTION,
        Option(
            "hours", "Hours this week (0 to 168)", type=OptionType.NUMBER, required=True, min_value=0, max_value=168
        ),
    ],
)
def alloc_set(inv: Invocation) -> Reply:
    minutes = round(inv.options["hours"] * 60)
    services.allocation_set(user_id=inv.user_id, subject=inv.options["subject"], minutes=minutes)
    return ALLOC_SHOW.reply(inv)


@router.command("alloc show", description="Show this week's plan and tracked time")
def alloc_show(inv: Invocation) -> Reply:
    return ALLOC_SHOW.reply(inv)


# ---------------------------------------------------------------------------- paged weekly tables


def _this_week(inv: Invocation, arg: str) -> PagedText:
    """`/alloc show`: the clicking member's own week (a page click recomputes it for them)."""
    return report_pages(selectors.weekly_report(user_id=inv.user_id))


def _summary_week(inv: Invocation, arg: str) -> PagedText:
    """The summary DM's pages: the week starting on the Monday `arg`, of the member who clicks."""
    try:
        week_start = date.fromisoformat(arg)
    except ValueError:
        return PagedText(lines=[], empty=WEEK_GONE)
    return report_pages(selectors.weekly_report(user_id=inv.user_id, week_start=week_start), title="Your week")


ALLOC_SHOW = paged_list(ALLOC_SHOW_LIST, _this_week)
WEEK_SUMMARY = paged_list(WEEK_SUMMARY_LIST, _summary_week)


# ---------------------------------------------------------------------------- autocomplete


@router.autocomplete("session in", "subject")
@router.autocomplete("alloc set", "subject")
def subject_suggestions(inv: Invocation) -> list[Choice]:
    typed = str(inv.options.get("subject") or "")
    names = selectors.subjects_matching(inv.user_id, typed)
    choices = [Choice(name=name, value=name) for name in names]
    cleaned = " ".join(typed.split())[: services.SUBJECT_MAX_LENGTH]
    if cleaned and cleaned.casefold() not in {name.casefold() for name in names}:
        choices.insert(0, Choice(name=f"{cleaned} (new)", value=cleaned))
    return choices


register_zone_option("session timezone", "zone")


# ---------------------------------------------------------------------------- buttons


def _card_update(session: FocusSession, note: str = "") -> Reply:
    return session_card(session, now=timezone.now(), note=note, update=True)


@router.component("pause")
def pause_clicked(inv: Invocation) -> Reply:
    return _card_update(services.session_pause(user_id=inv.user_id, session_id=inv.target_id))


@router.component("resume")
def resume_clicked(inv: Invocation) -> Reply:
    return _card_update(services.session_resume(user_id=inv.user_id, session_id=inv.target_id))


@router.component("out")
def out_clicked(inv: Invocation) -> Reply:
    return _card_update(services.session_clock_out(user_id=inv.user_id, session_id=inv.target_id))


@router.component("confirm")
def confirm_clicked(inv: Invocation) -> Reply:
    return _card_update(services.session_confirm(user_id=inv.user_id, session_id=inv.target_id))


@router.component("reopen")
def reopen_clicked(inv: Invocation) -> Reply:
    return _card_update(services.session_reopen(user_id=inv.user_id, session_id=inv.target_id))


@router.component("keep_going")
def keep_going_clicked(inv: Invocation) -> Reply:
    session = services.session_keep_going(user_id=inv.user_id, session_id=inv.target_id)
    return _card_update(session, note=KEEP_GOING_NOTE.format(hours=forgotten_hours()))


@router.component("adjust_time")
def adjust_time_clicked(inv: Invocation) -> Reply:
    session = rules.check_action(selectors.session_get(inv.target_id), user_id=inv.user_id, action=rules.ADJUST_TIME)
    current = format_duration_input(session.effective_seconds(timezone.now()))
    return Reply(
        modal=Modal(
            custom_id=f"adjust_time:{session.pk}",
            title="Adjust effective time",
            inputs=[
                TextInput(
                    custom_id="duration",
                    label="Effective duration",
                    value=current,
                    placeholder="1h 20m, 80m, 1:20 or 4800s",
                    max_length=40,
                )
            ],
        )
    )


@router.component("edit_purpose")
def edit_purpose_clicked(inv: Invocation) -> Reply:
    session = rules.check_action(selectors.session_get(inv.target_id), user_id=inv.user_id, action=rules.EDIT_PURPOSE)
    return Reply(
        modal=Modal(
            custom_id=f"edit_purpose:{session.pk}",
            title="Edit purpose",
            inputs=[
                TextInput(
                    custom_id="purpose",
                    label="Purpose",
                    style=2,
                    value=session.goal or None,
                    placeholder="What this session is for",
                    required=False,
                    max_length=services.PURPOSE_MAX_LENGTH,
                )
            ],
        )
    )


# ---------------------------------------------------------------------------- modals


@router.modal("adjust_time")
def adjust_time_submitted(inv: Invocation) -> Reply:
    seconds = parse_duration(inv.fields.get("duration"))
    session = services.session_adjust_time(user_id=inv.user_id, session_id=inv.target_id, effective_seconds=seconds)
    return _card_update(session)


@router.modal("edit_purpose")
def edit_purpose_submitted(inv: Invocation) -> Reply:
    session = services.session_set_purpose(
        user_id=inv.user_id, session_id=inv.target_id, purpose=inv.fields.get("purpose")
    )
    return _card_update(session)
