"""The announcement watcher's buttons in the log channel: Fix (a modal to correct the date or
days, time and location) and Delete. Moderators only; the services re-check the guild, the
reminder and the actor on every click, since the id in a custom_id is untrusted."""

from __future__ import annotations

from botworker.handlers.scheduling import actor_of
from botworker.interactions import Invocation, Reply, router
from botworker.models import PermissionLevel
from botworker.presenters import watcher as present
from config.exceptions import ApplicationError
from scheduling.models import Reminder
from scheduling.services import watcher
from scheduling.services.reminders import NO_SUCH_REMINDER


@router.component(present.FIX_ACTION, level=PermissionLevel.MODERATOR, guild_only=True)
def fix_open(inv: Invocation) -> Reply:
    reminder = Reminder.objects.filter(pk=inv.target_id, guild_id=inv.guild_id).first()
    if reminder is None:
        raise ApplicationError(NO_SUCH_REMINDER, params={"reminder_id": inv.target_id})
    return Reply(modal=present.fix_modal(reminder))


@router.modal(present.FIX_MODAL, level=PermissionLevel.MODERATOR, guild_only=True)
def fix_save(inv: Invocation) -> Reply:
    reminder = watcher.reminder_fix(
        actor=actor_of(inv),
        guild_id=inv.guild_id,
        reminder_id=inv.target_id,
        date_text=inv.fields.get("date"),
        days_text=inv.fields.get("days"),
        time_text=inv.fields.get("time", ""),
        location=inv.fields.get("location"),
    )
    return present.fixed(reminder, user_id=inv.user_id)


@router.component(present.DELETE_ACTION, level=PermissionLevel.MODERATOR, guild_only=True)
def delete(inv: Invocation) -> Reply:
    reminder = watcher.reminder_dismiss(actor=actor_of(inv), guild_id=inv.guild_id, reminder_id=inv.target_id)
    return present.dismissed(reminder, user_id=inv.user_id)
