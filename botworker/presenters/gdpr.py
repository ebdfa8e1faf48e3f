"""How GDPR looks in Discord: the consent text with its Accept button, a member's consent status,
the export's answer, the erasure's confirmation modal and DM."""

from __future__ import annotations

from dataclasses import replace

from botworker.interactions import Modal, Reply, ReplyFile, TextInput, button, limits
from botworker.presenters.text import discord_format
from support.models import ConsentAcceptance, ConsentVersion, GdprRequest
from support.services.gdpr import CONFIRMATION_WORD

ACCEPT_ACTION = "gdpr_accept"
DELETE_ACTION = "gdpr_delete"
CONFIRMATION_FIELD = "confirmation"

CONSENT_TITLE = "Data protection: version {version}"
ACCEPTED = "Thank you: you accepted version {version} of this server's consent text."
ALREADY_CURRENT = "You accepted version {version}, the current one, on {accepted_at:FR}. Nothing more to do."
STATUS_NONE = "This server has no consent text yet."
STATUS_CURRENT = "The current consent text is version {version}, published {published_at:F}."
STATUS_ACCEPTED = "You accepted it on {accepted_at:FR}."
STATUS_PENDING = "You have not accepted it yet: run `/gdpr accept` to read it."
STATUS_HISTORY = "Earlier versions you accepted: {versions}."
EXPORT_READY = (
    "Here is everything Guildhall stores about you, from every part of it ({rows} rows), as a JSON "
    "file. This request is recorded."
)
EXPORT_DM_SENT = "A copy is on its way to your direct messages."
EXPORT_TOO_LARGE = (
    "Your export is {size} MB, more than Discord takes in one message ({limit} MB): ask a staff member "
    "for it; they can download it from the back office (a data-subject request)."
)
EXPORT_DM = "Your Guildhall data export ({rows} rows), as you asked for on {requested_at:F}."
DELETE_TITLE = "Erase your data"
DELETE_LABEL = f"Type {CONFIRMATION_WORD} to erase everything"
ERASED_REPLY = (
    "Your data was erased. Rows other members depend on (a shift someone claimed, a ticket staff "
    "worked on) now show a deleted member. You will get a DM confirming it."
)
ERASED_DM = (
    "**Your data was erased** from Guildhall on {when:F}: {deleted} rows deleted, {anonymised} rows "
    "anonymised (they now show a deleted member). The record that you asked, and when, is kept as "
    "the proof the request was met."
)


def consent_message(consent: ConsentVersion) -> Reply:
    """The consent text, ephemeral, with the button that accepts this version (and only it)."""
    return Reply(
        embeds=[{"title": CONSENT_TITLE.format(version=consent.version), "description": consent.text}],
        components=[[button("Accept", f"{ACCEPT_ACTION}:{consent.pk}", style=3)]],
        ephemeral=True,
    )


CONSENT_GATE = "Before you go on, please read and accept version {version} of this server's data-protection text."


def consent_gate(consent: ConsentVersion) -> Reply:
    """A gated feature's answer to a member who has not accepted the current consent version."""
    message = consent_message(consent)
    return replace(message, content=CONSENT_GATE.format(version=consent.version))


def accepted(acceptance: ConsentAcceptance) -> Reply:
    """The consent message once its button was pressed: the text stays, the button goes."""
    return Reply(content=ACCEPTED.format(version=acceptance.consent.version), components=[], update=True)


def already_current(acceptance: ConsentAcceptance) -> Reply:
    return Reply(
        content=discord_format(ALREADY_CURRENT, version=acceptance.consent.version, accepted_at=acceptance.accepted_at),
        ephemeral=True,
    )


def status(current: ConsentVersion | None, acceptances: list[ConsentAcceptance]) -> Reply:
    if current is None:
        return Reply(content=STATUS_NONE, ephemeral=True)
    lines = [discord_format(STATUS_CURRENT, version=current.version, published_at=current.published_at)]
    of_current = next((a for a in acceptances if a.consent_id == current.pk), None)
    if of_current is not None:
        lines.append(discord_format(STATUS_ACCEPTED, accepted_at=of_current.accepted_at))
    else:
        lines.append(STATUS_PENDING)
    earlier = [a for a in acceptances if a.consent_id != current.pk]
    if earlier:
        versions = ", ".join(
            discord_format("v{version} on {at:D}", version=a.consent.version, at=a.accepted_at) for a in earlier
        )
        lines.append(STATUS_HISTORY.format(versions=versions))
    return Reply(content="\n".join(lines), ephemeral=True)


def export_rows(request: GdprRequest) -> int:
    return sum((request.summary.get("exported") or {}).values())


def export_file_name(request: GdprRequest) -> str:
    return f"guildhall-data-{request.subject_user_id}.json"


def export_dm(request: GdprRequest) -> Reply:
    """The DM that carries a copy of the export (the file is attached by the outbox)."""
    return Reply(content=discord_format(EXPORT_DM, rows=export_rows(request), requested_at=request.requested_at))


def export_too_large(size: int) -> Reply:
    return Reply(
        content=EXPORT_TOO_LARGE.format(size=round(size / 1_000_000, 1), limit=limits.UPLOAD_BYTES // 1_000_000),
        ephemeral=True,
    )


def export_file(request: GdprRequest, data: bytes) -> Reply:
    rows = export_rows(request)
    return Reply(
        content=f"{EXPORT_READY.format(rows=rows)} {EXPORT_DM_SENT}",
        files=[
            ReplyFile(
                filename=export_file_name(request),
                data=data,
                description="Everything Guildhall stores about you",
            )
        ],
        ephemeral=True,
    )


def delete_modal() -> Reply:
    return Reply(
        modal=Modal(
            custom_id=DELETE_ACTION,
            title=DELETE_TITLE,
            inputs=[TextInput(CONFIRMATION_FIELD, DELETE_LABEL, placeholder=CONFIRMATION_WORD, max_length=20)],
        )
    )


def erased_reply() -> Reply:
    return Reply(content=ERASED_REPLY, ephemeral=True)


def _total(summary: dict, key: str) -> int:
    return sum(counts.get(key, 0) for counts in summary.values())


def erased_dm(request: GdprRequest) -> Reply:
    erased = request.summary.get("erased") or {}
    return Reply(
        content=discord_format(
            ERASED_DM,
            when=request.requested_at,
            deleted=_total(erased, "deleted"),
            anonymised=_total(erased, "anonymised"),
        )
    )
