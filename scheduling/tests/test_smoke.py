"""The seed's Task 9 smoke checks, for the Django models: the tables and the new columns exist
with their defaults, and the old boolean availability model does not."""

import pytest
from django.apps import apps
from django.db import connection

from attendance.models import RaidAttendance, RaidEvent, RaidSeason
from scheduling.models import GuildRank, Player, PlayerAvailability

pytestmark = pytest.mark.django_db


def test_tables_exist():
    tables = set(connection.introspection.table_names())
    for model in (PlayerAvailability, RaidSeason, RaidEvent, RaidAttendance, GuildRank, Player):
        assert model._meta.db_table in tables


def test_new_columns_and_defaults():
    assert GuildRank._meta.get_field("scheduling_weight").default == 0
    assert Player.DEFAULT_TIMEZONE == "UTC"  # only where no guild zone is known
    # The zone is the member's (MemberZone), not a column of the roster.
    assert "timezone" not in {field.name for field in Player._meta.get_fields()}
    assert Player._meta.get_field("auto_invite_events").default is False
    assert RaidAttendance._meta.get_field("source").default == "manual"
    assert RaidSeason._meta.get_field("is_active").default is True


def test_no_member_availability_model():
    assert not any(model.__name__ == "MemberAvailability" for model in apps.get_models())
