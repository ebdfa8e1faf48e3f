"""A ticket's transcript: its conversation as plain text and as a self-contained HTML page.

Times are UTC (a file is read by anyone, in any zone). Everything a member wrote is escaped in
the HTML; the text file is the messages as written."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils.html import escape

from support.models import SupportTicket, TicketMessage


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


def _author(message: TicketMessage) -> str:
    name = message.author_name or "unknown"
    role = " [bot]" if message.author_is_bot else " [staff]" if message.author_is_staff else ""
    return f"{name} ({message.author_id}){role}"


def _header(ticket: SupportTicket) -> list[tuple[str, str]]:
    rows = [
        ("Ticket", f"#{ticket.number}: {ticket.topic}"),
        ("Requester", f"{ticket.username or 'unknown'} ({ticket.user_id})"),
        ("Opened", _when(ticket.created_at)),
        ("Closed", _when(ticket.closed_at)),
    ]
    if ticket.closed_by is not None:
        rows.append(("Closed by", str(ticket.closed_by)))
    elif ticket.closed_at is not None:
        rows.append(("Closed by", "Guildhall (auto-close)"))
    if ticket.close_reason:
        rows.append(("Reason", ticket.close_reason))
    if ticket.description:
        rows.append(("Description", ticket.description))
    return rows


def transcript_text(ticket: SupportTicket, messages: Iterable[TicketMessage]) -> str:
    lines = [f"{label}: {value}" for label, value in _header(ticket)]
    lines.append("")
    for message in messages:
        edited = f" (edited {_when(message.edited_at)})" if message.edited_at else ""
        lines.append(f"[{_when(message.created_at)}] {_author(message)}{edited}:")
        lines.extend(f"    {line}" for line in (message.content or "").splitlines() or [""])
        lines.extend(f"    attachment: {a['filename']} <{a['url']}>" for a in message.attachments)
    return "\n".join(lines) + "\n"


def _attachment_html(attachment: dict) -> str:
    name, url = escape(attachment["filename"]), str(attachment.get("url") or "")
    # Only web links: a javascript: or data: URL in a member's payload must not become a link.
    if url.startswith(("https://", "http://")):
        return f'<a href="{escape(url)}">{name}</a>'
    return name


_STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto}dt{font-weight:bold}"
    ".m{margin:.8em 0}.meta{color:#555;font-size:.9em}.c{white-space:pre-wrap}"
)


def transcript_html(ticket: SupportTicket, messages: Iterable[TicketMessage]) -> str:
    head = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in _header(ticket))
    body = []
    for message in messages:
        edited = f" (edited {escape(_when(message.edited_at))})" if message.edited_at else ""
        files = "".join(f"<li>{_attachment_html(a)}</li>" for a in message.attachments)
        body.append(
            f'<div class="m"><div class="meta">{escape(_when(message.created_at))} — '
            f"{escape(_author(message))}{edited}</div>"
            f'<div class="c">{escape(message.content)}</div>' + (f"<ul>{files}</ul>" if files else "") + "</div>"
        )
    title = escape(f"Ticket #{ticket.number}: {ticket.topic}")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{title}</h1><dl>{head}</dl>{''.join(body)}</body></html>\n"
    )
