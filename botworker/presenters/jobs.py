"""How a scheduled job's run looks in Discord: the message, embed or announcement it posts, and
the lines of `/schedule list`."""

from __future__ import annotations

from botworker.interactions import PagedText, Reply
from botworker.presenters.text import role_mention, timestamp
from scheduling.models import ScheduledJob
from scheduling.services.jobs import describe_trigger


def job_embed(params: dict) -> dict:
    """A send_embed job's embed (Discord's JSON object)."""
    embed: dict = {"title": params["title"], "description": params["description"], "color": params["color"]}
    if params.get("url"):
        embed["url"] = params["url"]
    if params.get("footer"):
        embed["footer"] = {"text": params["footer"]}
    if params.get("fields"):
        embed["fields"] = [dict(field) for field in params["fields"]]
    return embed


def announcement_content(params: dict) -> str:
    """A schedule_announcement job's message: the role's mention (if any), then the message."""
    role_id = params.get("role_id")
    return f"{role_mention(int(role_id))} {params['message']}" if role_id else params["message"]


def job_line(job: ScheduledJob) -> str:
    """One job in `/schedule list`: id, method, when, and its next run (or why there is none)."""
    if not job.enabled:
        state = "⏸️ paused"
    elif job.next_fire_at is None:
        state = "✅ done"
    else:
        state = f"next {timestamp(job.next_fire_at, 'R')} ({timestamp(job.next_fire_at, 'f')})"
    return f"`{job.job_id}` · {job.method} · {describe_trigger(job)} · {state}"


def job_scheduled(job: ScheduledJob) -> Reply:
    """The answer to `/schedule message` and `/schedule announce`."""
    first = timestamp(job.next_fire_at, "F") if job.next_fire_at else "never"
    return Reply(
        content=f"🗓️ Scheduled `{job.job_id}` ({describe_trigger(job)}). First run: {first}.",
        ephemeral=True,
    )


def job_changed(job: ScheduledJob, verb: str) -> Reply:
    """The answer to pause, resume and delete."""
    return Reply(content=f"Job `{job.job_id}` {verb}.", ephemeral=True)


def job_ran(job: ScheduledJob) -> Reply:
    return Reply(content=f"▶️ Job `{job.job_id}` is running now; its history shows the outcome.", ephemeral=True)


def jobs_page(jobs: list[ScheduledJob]) -> PagedText:
    return PagedText(
        lines=[job_line(job) for job in jobs],
        header="**Scheduled jobs**",
        footer=f"{len(jobs)} job{'s' if len(jobs) != 1 else ''}",
        empty="No scheduled jobs on this server. Create one with /schedule message or /schedule announce.",
    )
