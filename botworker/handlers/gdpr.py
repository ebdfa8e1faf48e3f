"""GDPR commands: `/gdpr accept` and `/gdpr status` (the server's consent text), `/gdpr export`
(everything stored about the caller, as a file) and `/gdpr delete` (erasure, after typing DELETE
in a modal). Discord input in, one support service call, a presenter's reply out."""

from __future__ import annotations

from botworker.handlers.support import actor_of
from botworker.interactions import Invocation, Reply, limits, router
from botworker.outbox import OutboxFile
from botworker.presenters import gdpr as presenter
from botworker.receivers.common import enqueue_dm
from config.exceptions import ApplicationError
from support import services
from support.models import GdprRequest

router.group("gdpr", "Your data here: consent, export, erasure")


@router.command("gdpr accept", description="Read this server's data-protection text and accept it", guild_only=True)
def gdpr_accept(inv: Invocation) -> Reply:
    current = services.consent_current(inv.guild_id)
    if current is None:
        raise ApplicationError(services.gdpr.NO_CONSENT)
    accepted = services.consent_acceptances(guild_id=inv.guild_id, user_id=inv.user_id).filter(consent=current).first()
    if accepted is not None:
        return presenter.already_current(accepted)
    return presenter.consent_message(current)


@router.component(presenter.ACCEPT_ACTION, guild_only=True)
def accept_button(inv: Invocation) -> Reply:
    acceptance = services.consent_accept(guild_id=inv.guild_id, user_id=inv.user_id, consent_id=inv.target_id)
    return presenter.accepted(acceptance)


@router.command(
    "gdpr status", description="Which version of the data-protection text you accepted, and when", guild_only=True
)
def gdpr_status(inv: Invocation) -> Reply:
    acceptances = list(services.consent_acceptances(guild_id=inv.guild_id, user_id=inv.user_id))
    return presenter.status(services.consent_current(inv.guild_id), acceptances)


@router.command(
    "gdpr export", description="Everything Guildhall stores about you, as a file", guild_only=True, deferred=True
)
def gdpr_export(inv: Invocation) -> Reply:
    """Deferred: the follow-up edit uploads the file (only deferred answers carry files), and a
    copy goes to the member's DMs through the outbox, queued in the same transaction as the
    request's audit row (an ephemeral answer disappears; the DM stays)."""
    request, data = services.gdpr_export(
        subject_user_id=inv.user_id, actor=actor_of(inv), source=GdprRequest.Source.DISCORD, guild_id=inv.guild_id
    )
    if len(data) > limits.UPLOAD_BYTES:
        return presenter.export_too_large(len(data))
    enqueue_dm(
        user_id=inv.user_id,
        reply=presenter.export_dm(request),
        dedupe_key=f"gdpr:export:{request.pk}:dm",
        guild_id=inv.guild_id,
        files=[
            OutboxFile(presenter.export_file_name(request), data, description="Everything Guildhall stores about you")
        ],
    )
    return presenter.export_file(request, data)


@router.command("gdpr delete", description="Erase everything Guildhall stores about you", guild_only=True)
def gdpr_delete(inv: Invocation) -> Reply:
    return presenter.delete_modal()


@router.modal(presenter.DELETE_ACTION, target="none", guild_only=True)
def delete_confirmed(inv: Invocation) -> Reply:
    services.gdpr_erase(
        subject_user_id=inv.user_id,
        actor=actor_of(inv),
        source=GdprRequest.Source.DISCORD,
        confirmation=inv.fields.get(presenter.CONFIRMATION_FIELD, ""),
        guild_id=inv.guild_id,
    )
    return presenter.erased_reply()
