"""GDPR's events as Discord side effects: the consent role given on acceptance, and on erasure the
consent roles taken back and the confirmation DM."""

from __future__ import annotations

from django.dispatch import receiver

from botworker.interactions import records
from botworker.outbox import AddRole, RemoveRole, enqueue
from botworker.presenters import gdpr as presenter
from botworker.receivers.common import enqueue_dm
from support.models import ConsentAcceptance, GdprRequest
from support.signals import consent_accepted, member_erased


@receiver(consent_accepted, dispatch_uid="botworker.gdpr.consent_accepted")
def on_consent_accepted(sender, acceptance: ConsentAcceptance, **kwargs) -> None:
    consent = acceptance.consent
    if consent.role_id is None:
        return
    enqueue(
        AddRole(
            guild_id=consent.guild_id,
            user_id=acceptance.user_id,
            role_id=consent.role_id,
            reason=f"Accepted version {consent.version} of the data-protection text",
        ),
        dedupe_key=f"gdpr:consent:{acceptance.pk}:role",
    )


@receiver(member_erased, dispatch_uid="botworker.gdpr.member_erased")
def on_member_erased(sender, request: GdprRequest, consent_roles=(), **kwargs) -> None:
    # Erased from an interaction: its record, written after this, must not name them either.
    records.note_user_erased(request.subject_user_id)
    for guild_id, role_id in consent_roles:
        enqueue(
            RemoveRole(guild_id=guild_id, user_id=request.subject_user_id, role_id=role_id, reason="Data erased"),
            dedupe_key=f"gdpr:erased:{request.pk}:role:{guild_id}:{role_id}",
        )
    enqueue_dm(
        user_id=request.subject_user_id,
        reply=presenter.erased_dm(request),
        dedupe_key=f"gdpr:erased:{request.pk}:dm",
        guild_id=request.guild_id,
    )
