"""Scheduled jobs' runs as outbox rows, in the dispatcher's (or run now's) transaction.

One row per run, keyed by the run (`job:<id>:<kind>:<unix>` for a fire time, `job:<id>:manual:<dispatch
id>` for a run now), so a run is queued once; its completion hook reports delivery to the run's
dispatch record (done, retrying, dead with the reason). All rows of one job share the ordering key
`job:<id>`. A message pings nobody, an announcement only its role; a channel is checked to be in the
job's guild when the row is performed.
"""

from __future__ import annotations

from django.dispatch import receiver

from botworker.outbox import AddRole, PurgeChannel, RemoveRole, SendMessage, SetPresence, enqueue_many
from botworker.outbox.payloads import OutboxPayload
from botworker.presenters.jobs import announcement_content, job_embed
from botworker.receivers.clock import hook_for
from scheduling import dispatcher
from scheduling.models import ScheduledJob
from scheduling.signals import jobs_due

Method = ScheduledJob.Method


def run_key(firing: dispatcher.Firing) -> str:
    job = firing.row
    if firing.kind == "manual":
        return f"job:{job.pk}:manual:{firing.dispatch.pk}"
    return f"job:{job.pk}:{firing.kind}:{int(firing.occurrence.timestamp())}"


def ordering_key(job_id: int) -> str:
    return f"job:{job_id}"


def job_payload(job: ScheduledJob) -> OutboxPayload:
    """The outbox action of one run of `job`."""
    params, guild = job.params, job.guild_id
    if job.method == Method.SEND_MESSAGE:
        return SendMessage(channel_id=params["channel_id"], content=params["content"], guild_id=guild)
    if job.method == Method.SEND_EMBED:
        return SendMessage(channel_id=params["channel_id"], embeds=[job_embed(params)], guild_id=guild)
    if job.method == Method.SCHEDULE_ANNOUNCEMENT:
        role = params.get("role_id")
        return SendMessage(
            channel_id=params["channel_id"],
            content=announcement_content(params),
            mention_roles=[role] if role else None,
            guild_id=guild,
        )
    if job.method == Method.UPDATE_STATUS:
        return SetPresence(
            status=params.get("status") or "online", activity_type=params["activity_type"], activity_text=params["name"]
        )
    if job.method == Method.CLEANUP_OLD_MESSAGES:
        return PurgeChannel(
            channel_id=params["channel_id"],
            older_than_days=params["age_days"],
            limit=params["limit"],
            guild_id=guild,
            reason=f"scheduled job {job.job_id}",
        )
    if job.method == Method.UPDATE_ROLE:
        schema = AddRole if params["action"] == "add" else RemoveRole
        return schema(
            guild_id=guild, user_id=params["user_id"], role_id=params["role_id"], reason=f"scheduled job {job.job_id}"
        )
    raise ValueError(f"unknown job method {job.method!r}")


@receiver(jobs_due, dispatch_uid="botworker.jobs.due")
def on_jobs_due(sender, firings: list[dispatcher.Firing], **kwargs) -> None:
    enqueue_many(
        {
            "payload": job_payload(firing.row),
            "dedupe_key": run_key(firing),
            "guild_id": firing.row.guild_id,
            "ordering_key": ordering_key(firing.row.pk),
            **hook_for(firing.dispatch.pk),
        }
        for firing in firings
    )
