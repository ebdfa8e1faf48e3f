"""`/ticket_stats` and its scope buttons (support staff): one service call that computes the
figures and stores their snapshot, a reply with the chart attached.

Only deferred answers carry files, so both answer deferred: the command with a "thinking…"
message, a button with DEFERRED_UPDATE_MESSAGE, whose follow-up edit redraws the message the
button is on (embed, buttons and a new chart). Staff is checked before deferring (a member gets an
immediate refusal and the message stays as it is) and again by the service when it runs; the
scope in the custom_id is untrusted: the router accepts only 7d, 30d or all."""

from __future__ import annotations

from botworker.handlers.support import actor_of
from botworker.interactions import Invocation, Reply, router
from botworker.presenters import support_stats as presenter
from support import services
from support.models import StatsScope
from support.services.stats import ticket_metrics_create


def staff_asks(inv: Invocation) -> bool:
    """Defer (and draw the chart) only for the support staff; anyone else is refused at once."""
    return inv.guild_id is not None and services.is_staff(actor_of(inv), services.settings_for(inv.guild_id))


def _answer(inv: Invocation, scope: str, *, update: bool = False) -> Reply:
    _, stats = ticket_metrics_create(guild_id=inv.guild_id, actor=actor_of(inv), scope=scope)
    return presenter.stats_answer(stats, update=update)


@router.command(
    "ticket_stats",
    description="Ticket statistics with a chart: last 7 days, 30 days or all time (staff)",
    needs_config=True,
    defer_when=staff_asks,
)
def ticket_stats(inv: Invocation) -> Reply:
    return _answer(inv, StatsScope.WEEK)


@router.component(
    presenter.STATS_ACTION, target=presenter.SCOPE_TARGET, needs_config=True, defer_when=staff_asks, defer_update=True
)
def ticket_stats_scope(inv: Invocation) -> Reply:
    return _answer(inv, inv.target, update=True)
