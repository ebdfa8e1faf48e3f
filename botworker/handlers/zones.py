"""The one time-zone autocomplete, used by every command option that takes a zone."""

from __future__ import annotations

from botworker.interactions import Choice, Invocation, router
from config.timeutils import zone_choices


def zone_autocomplete(inv: Invocation) -> list[Choice]:
    """Canonical zones matching what was typed in the focused option (best matches first)."""
    typed = str(inv.options.get(inv.focused or "", "") or "")
    return [Choice(zone, zone) for zone in zone_choices(typed)]


def register_zone_option(command: str, option: str) -> None:
    """Offer the zone autocomplete on `option` of `command`."""
    router.autocomplete(command, option)(zone_autocomplete)
