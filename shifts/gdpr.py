"""The shifts app's personal data (registry: config.gdpr; rules: docs/gdpr.md)."""

from __future__ import annotations

from django.db.models import Q

from config.gdpr import Erase, Link, register
from shifts.models import ModSchedule, Shift

register(ModSchedule, Link("user_id", Erase.DELETE))
register(
    Shift,
    Link("created_by", Erase.DELETE, owns=("description",)),
    Link("assigned_user_id", Erase.DELETE),
    Link("claimed_by", Erase.ANONYMISE),
    Link("cancelled_by", Erase.ANONYMISE, owns=("cancel_reason",)),
    # A shift another moderator claimed is their shift too (their hours, their history): it stays,
    # showing "deleted member" where the erased member was.
    keep_when=lambda user_id: Q(claimed_by__isnull=False) & ~Q(claimed_by=user_id),
)
