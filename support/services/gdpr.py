"""GDPR: publishing a guild's consent text, accepting it, and a member's export and erasure, each
audit-logged (see docs/gdpr.md)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from config.actors import Actor
from config.exceptions import ApplicationError
from config.snowflakes import tombstone_id
from support.gdpr import erase, export
from support.models import ConsentAcceptance, ConsentVersion, GdprRequest, Tombstone
from support.signals import consent_accepted, member_erased

CONSENT_TEXT_LIMIT = 4000  # a Discord embed's description holds 4,096 characters

NOT_ADMIN = "Only the server's admins can publish its consent text."
NOT_ALLOWED = "Only the member themself, or back-office staff, can ask for a member's data."
CONSENT_TEXT_REQUIRED = "Write the consent text: it cannot be empty."
CONSENT_TEXT_TOO_LONG = "The consent text is {length} characters long; keep it to {limit}."
CONSENT_BUSY = "Another version of the consent text was published at the same moment; reload and try again."
NO_CONSENT = "This server has no consent text yet. An admin can publish one in the back office."
CONSENT_NOT_FOUND = "There is no such consent text in this server."
OUTDATED_VERSION = (
    "Version {version} of the consent text was replaced by version {current}: read that one and accept it."
)
ALREADY_ACCEPTED = "You already accepted version {version} of this server's consent text, on {accepted_at}."
CONFIRMATION_WORD = "DELETE"
NOT_CONFIRMED = "Type DELETE (in capitals) to confirm. Nothing was erased."


def consent_current(guild_id: int) -> ConsentVersion | None:
    """The guild's latest consent version, or None when it has published none."""
    return ConsentVersion.objects.filter(guild_id=guild_id).order_by("-version").first()


def consent_pending(*, guild_id: int, user_id: int) -> ConsentVersion | None:
    """The guild's current consent version when the member has not accepted it (a guild that
    published a consent text asks for it again at each new version), else None. One query."""
    current = (
        ConsentVersion.objects.filter(guild_id=guild_id)
        .order_by("-version")
        .annotate(accepted=Exists(ConsentAcceptance.objects.filter(consent=OuterRef("pk"), user_id=user_id)))
        .first()
    )
    return current if current is not None and not current.accepted else None


def consent_acceptances(*, guild_id: int, user_id: int):
    """The versions of the guild's consent text the member accepted, newest first."""
    return (
        ConsentAcceptance.objects.filter(consent__guild_id=guild_id, user_id=user_id)
        .select_related("consent")
        .order_by("-consent__version")
    )


@transaction.atomic
def consent_version_publish(
    *, guild_id: int, actor: Actor, text: str, role_id: int | None = None, published_by: str = "", now=None
) -> ConsentVersion:
    """Publish a new version of the guild's consent text (its admins, or staff): the next number,
    so every member is asked to accept again. Versions are never edited."""
    if not (actor.is_admin or actor.is_staff):
        raise ApplicationError(NOT_ADMIN, code="permission_denied")
    text = (text or "").strip()
    if not text:
        raise ApplicationError(CONSENT_TEXT_REQUIRED, field="text")
    if len(text) > CONSENT_TEXT_LIMIT:
        raise ApplicationError(
            CONSENT_TEXT_TOO_LONG, params={"length": len(text), "limit": CONSENT_TEXT_LIMIT}, field="text"
        )
    latest = ConsentVersion.objects.filter(guild_id=guild_id).aggregate(latest=Max("version"))["latest"] or 0
    try:
        with transaction.atomic():
            return ConsentVersion.objects.create(
                guild_id=guild_id,
                version=latest + 1,
                text=text,
                role_id=role_id,
                published_at=now or timezone.now(),
                published_by=published_by[:150],
            )
    except IntegrityError:
        raise ApplicationError(CONSENT_BUSY) from None


@transaction.atomic
def consent_accept(*, guild_id: int, user_id: int, consent_id: int, now=None) -> ConsentAcceptance:
    """Record that the member accepted this version of the guild's consent text. Only the current
    version can be accepted, once; its role (if any) is given through the outbox."""
    consent = ConsentVersion.objects.filter(pk=consent_id, guild_id=guild_id).first()
    if consent is None:
        raise ApplicationError(CONSENT_NOT_FOUND)
    current = consent_current(guild_id)
    if current.pk != consent.pk:
        raise ApplicationError(OUTDATED_VERSION, params={"version": consent.version, "current": current.version})
    try:
        with transaction.atomic():
            acceptance = ConsentAcceptance.objects.create(
                consent=consent, user_id=user_id, accepted_at=now or timezone.now()
            )
    except IntegrityError:
        earlier = ConsentAcceptance.objects.get(consent=consent, user_id=user_id)
        raise ApplicationError(
            ALREADY_ACCEPTED, params={"version": consent.version, "accepted_at": earlier.accepted_at}
        ) from None
    consent_accepted.send(sender=ConsentAcceptance, acceptance=acceptance)
    return acceptance


def _authorise(actor: Actor, subject_user_id: int) -> None:
    if not (actor.is_staff or (actor.user_id is not None and actor.user_id == subject_user_id)):
        raise ApplicationError(NOT_ALLOWED, code="permission_denied")


def _login_name(actor: Actor) -> str:
    if actor.login_id is None:
        return ""
    names = get_user_model().objects.filter(pk=actor.login_id).values_list("username", flat=True)
    return next(iter(names), "")


def _audit(*, kind, actor: Actor, subject_user_id: int, source: str, guild_id: int | None, now: datetime):
    return GdprRequest.objects.create(
        kind=kind,
        source=source,
        subject_user_id=subject_user_id,
        guild_id=guild_id,
        requested_by_user_id=actor.user_id,
        requested_by_login=_login_name(actor),
        requested_at=now,
    )


@transaction.atomic
def gdpr_export(
    *, subject_user_id: int, actor: Actor, source: str, guild_id: int | None = None, now=None
) -> tuple[GdprRequest, bytes]:
    """Everything stored about the member, from every registered model, as a JSON file (UTF-8
    bytes), and the request's audit row (which the export lists too). The member themself or
    staff."""
    _authorise(actor, subject_user_id)
    now = now or timezone.now()
    request = _audit(
        kind=GdprRequest.Kind.EXPORT,
        actor=actor,
        subject_user_id=subject_user_id,
        source=source,
        guild_id=guild_id,
        now=now,
    )
    data = export.export_data(subject_user_id, now=now)
    request.summary = {"exported": export.counts(data)}
    request.save(update_fields=["summary"])
    return request, export.as_json_bytes(data)


@transaction.atomic
def gdpr_erase(
    *,
    subject_user_id: int,
    actor: Actor,
    source: str,
    confirmation: str,
    guild_id: int | None = None,
    now=None,
) -> GdprRequest:
    """Erase the member from every registered model in this one transaction: rows only about
    them are deleted, rows other members depend on keep a tombstone id (docs/gdpr.md lists the
    exceptions). `confirmation` must be the word DELETE. The member gets a confirmation DM, and
    loses the roles their consent acceptances gave."""
    _authorise(actor, subject_user_id)
    if (confirmation or "").strip() != CONFIRMATION_WORD:
        raise ApplicationError(NOT_CONFIRMED, field="confirmation")
    now = now or timezone.now()
    # The roles their acceptances gave go with the acceptances.
    consent_roles = sorted(
        set(
            ConsentAcceptance.objects.filter(user_id=subject_user_id, consent__role_id__isnull=False).values_list(
                "consent__guild_id", "consent__role_id"
            )
        )
    )
    tombstone = tombstone_id(Tombstone.objects.create().pk)
    summary = erase.erase_subject(subject_user_id, tombstone=tombstone)
    request = _audit(
        kind=GdprRequest.Kind.ERASE,
        actor=actor,
        subject_user_id=subject_user_id,
        source=source,
        guild_id=guild_id,
        now=now,
    )
    request.summary = {"erased": summary}
    request.save(update_fields=["summary"])
    member_erased.send(sender=GdprRequest, request=request, consent_roles=consent_roles)
    return request
