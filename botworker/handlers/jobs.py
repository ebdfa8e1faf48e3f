"""Scheduled jobs in Discord, for the server's admins: `/schedule list`, `/schedule message`,
`/schedule announce` and `/schedule pause|resume|delete|run_now` (the job picked by autocomplete).

`when` is `2026-12-24 18:00`, `every 2h`, `every monday 09:00` or `cron 0 12 * * 1-5`, in the
server's zone unless `timezone:` is given. Handlers translate: the member's actor, one service call,
a presenter's reply; every refusal is an ephemeral message and writes nothing.
"""

from __future__ import annotations

from botworker.handlers.zones import register_zone_option
from botworker.interactions import Choice, Invocation, Option, OptionType, PagedText, Reply, paged_list, router
from botworker.models import PermissionLevel
from botworker.presenters import jobs as present
from config.actors import Actor
from scheduling.models import ScheduledJob
from scheduling.services import jobs as services

ADMIN = PermissionLevel.ADMIN
WHEN_HELP = "2026-12-24 18:00 · every 2h · every monday 09:00 · cron 0 12 * * 1-5"


def actor_of(inv: Invocation) -> Actor:
    return Actor(
        user_id=inv.user_id,
        role_ids=frozenset(inv.role_ids),
        is_moderator=inv.level >= PermissionLevel.MODERATOR,
        is_admin=inv.level >= PermissionLevel.ADMIN,
        is_member=True,
    )


def _zone(inv: Invocation) -> str:
    """The zone `when` is read in: the `timezone` option, else the server's."""
    typed = inv.options.get("timezone")
    if typed:
        return typed
    return inv.guild.timezone.key if inv.guild is not None and inv.guild.timezone else "UTC"


router.group("schedule", "Scheduled jobs: messages and announcements on a clock (admins)")


def _jobs_page(inv: Invocation, arg: str) -> PagedText:
    if inv.guild_id is None or inv.level < ADMIN:
        return present.jobs_page([])
    return present.jobs_page(list(ScheduledJob.objects.filter(guild_id=inv.guild_id).order_by("name", "id")))


JOBS_LIST = paged_list("schedule_list", _jobs_page)


@router.command("schedule list", description="The server's scheduled jobs", level=ADMIN, guild_only=True)
def schedule_list(inv: Invocation) -> Reply:
    return JOBS_LIST.reply(inv)


WHEN_OPTIONS = [
    Option("when", f"When: {WHEN_HELP}", required=True, max_length=100),
    Option("timezone", "The zone of `when` (default: the server's)", autocomplete=True, max_length=50),
    Option("name", "A name for the job (default: its id)", max_length=100),
]


def _create(inv: Invocation, *, method: str, params: dict) -> Reply:
    zone = _zone(inv)
    job = services.job_create(
        actor=actor_of(inv),
        guild_id=inv.guild_id,
        method=method,
        params=params,
        trigger=services.trigger_from_when(inv.options["when"], zone_name=zone),
        timezone_name=zone,
        name=inv.options.get("name"),
    )
    return present.job_scheduled(job)


@router.command(
    "schedule message",
    description="Post a message on a clock",
    options=[
        Option("channel", "Where to post", OptionType.CHANNEL, required=True),
        Option("content", "The message", required=True, max_length=2000),
        *WHEN_OPTIONS,
    ],
    level=ADMIN,
    guild_only=True,
)
def schedule_message(inv: Invocation) -> Reply:
    params = {"channel_id": inv.options["channel"], "content": inv.options["content"]}
    return _create(inv, method=ScheduledJob.Method.SEND_MESSAGE, params=params)


@router.command(
    "schedule announce",
    description="Post an announcement on a clock, pinging one role",
    options=[
        Option("channel", "Where to post", OptionType.CHANNEL, required=True),
        Option("content", "The announcement", required=True, max_length=1900),
        *WHEN_OPTIONS,
        Option("role", "The role to ping (only this one)", OptionType.ROLE),
    ],
    level=ADMIN,
    guild_only=True,
)
def schedule_announce(inv: Invocation) -> Reply:
    params = {"channel_id": inv.options["channel"], "message": inv.options["content"]}
    if inv.options.get("role"):
        params["role_id"] = inv.options["role"]
    return _create(inv, method=ScheduledJob.Method.SCHEDULE_ANNOUNCEMENT, params=params)


JOB_OPTION = Option("job", "The job", required=True, autocomplete=True, max_length=100)


@router.command("schedule pause", description="Pause a job", options=[JOB_OPTION], level=ADMIN, guild_only=True)
def schedule_pause(inv: Invocation) -> Reply:
    job = services.job_set_enabled(actor=actor_of(inv), guild_id=inv.guild_id, job_id=inv.options["job"], enabled=False)
    return present.job_changed(job, "paused")


@router.command(
    "schedule resume",
    description="Resume a paused job (runs missed while paused are not sent)",
    options=[JOB_OPTION],
    level=ADMIN,
    guild_only=True,
)
def schedule_resume(inv: Invocation) -> Reply:
    job = services.job_set_enabled(actor=actor_of(inv), guild_id=inv.guild_id, job_id=inv.options["job"], enabled=True)
    return present.job_changed(job, "resumed")


@router.command("schedule delete", description="Delete a job", options=[JOB_OPTION], level=ADMIN, guild_only=True)
def schedule_delete(inv: Invocation) -> Reply:
    job = services.job_for(guild_id=inv.guild_id, job_id=inv.options["job"])
    services.job_delete(actor=actor_of(inv), guild_id=inv.guild_id, job_id=job.job_id)
    return present.job_changed(job, "deleted")


@router.command(
    "schedule run_now", description="Run a job once now", options=[JOB_OPTION], level=ADMIN, guild_only=True
)
def schedule_run_now(inv: Invocation) -> Reply:
    services.job_run_now(actor=actor_of(inv), guild_id=inv.guild_id, job_id=inv.options["job"])
    return present.job_ran(services.job_for(guild_id=inv.guild_id, job_id=inv.options["job"]))


@router.autocomplete("schedule pause", "job")
@router.autocomplete("schedule resume", "job")
@router.autocomplete("schedule delete", "job")
@router.autocomplete("schedule run_now", "job")
def job_choices(inv: Invocation) -> list[Choice]:
    """The server's jobs whose id or name contains what was typed (admins only)."""
    if inv.guild_id is None or inv.level < ADMIN:
        return []
    typed = str(inv.options.get("job") or "").strip()
    jobs = ScheduledJob.objects.filter(guild_id=inv.guild_id)
    if typed:
        jobs = jobs.filter(job_id__icontains=typed) | jobs.filter(name__icontains=typed)
    return [
        Choice(f"{job.name} · {job.method}"[:100] if job.name != job.job_id else job.job_id[:100], job.job_id)
        for job in jobs.order_by("name", "id")[:25]
    ]


for _command in ("schedule message", "schedule announce"):
    register_zone_option(_command, "timezone")
