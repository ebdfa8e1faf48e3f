"""A guild's support settings: read with defaults, changed by its admins."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from config.actors import Actor
from config.exceptions import ApplicationError
from config.snowflakes import as_snowflake
from support.models import SupportSettings
from support.services.messages import BAD_DAYS, BAD_ROLE, NOT_STAFF


def settings_for(guild_id: int) -> SupportSettings:
    """The guild's support settings; an unsaved row with the defaults when it has none."""
    return SupportSettings.objects.filter(guild_id=guild_id).first() or SupportSettings(guild_id=guild_id)


_UNSET = object()


@transaction.atomic
def support_settings_update(
    *,
    guild_id: int,
    actor: Actor,
    staff_role_ids: Iterable[int | str] | None = None,
    escalation_role_id: int | None | object = _UNSET,
    one_open_per_member: bool | None = None,
    auto_close_warn_days: int | None = None,
    auto_close_days: int | None = None,
) -> SupportSettings:
    """Create or change a guild's support settings (its admins, or staff logins). Arguments not
    given are kept; everything is checked before anything is written."""
    if not (actor.is_admin or actor.is_staff):
        raise ApplicationError(NOT_STAFF, code="permission_denied")
    row, _ = SupportSettings.objects.select_for_update().get_or_create(guild_id=guild_id)
    if staff_role_ids is not None:
        roles = []
        for value in staff_role_ids:
            role = as_snowflake(value)
            if role is None:
                raise ApplicationError(BAD_ROLE, params={"value": str(value)}, field="staff_role_ids")
            roles.append(str(role))
        row.staff_role_ids = sorted(set(roles), key=int)
    if escalation_role_id is not _UNSET:
        row.escalation_role_id = escalation_role_id
    if one_open_per_member is not None:
        row.one_open_per_member = one_open_per_member
    warn = row.auto_close_warn_days if auto_close_warn_days is None else auto_close_warn_days
    close = row.auto_close_days if auto_close_days is None else auto_close_days
    if warn < 1 or close <= warn:
        field = "auto_close_days" if auto_close_days is not None else "auto_close_warn_days"
        raise ApplicationError(BAD_DAYS, params={"warn": warn, "close": close}, field=field)
    row.auto_close_warn_days, row.auto_close_days = warn, close
    row.save()
    return row
