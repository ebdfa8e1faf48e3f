"""The demo data `make run` loads: built through the services, once."""

import pytest
from django.apps import apps

from timetracking.demo import DEMO_USER_ID
from timetracking.models import FocusSession, WeeklyAllocation

pytestmark = pytest.mark.django_db


def test_demo_data_loads_once():
    config = apps.get_app_config("timetracking")
    assert config.load_demo_data().startswith("demo time-tracking user")
    assert config.load_demo_data() == "demo time-tracking user already present"
    statuses = sorted(FocusSession.objects.filter(user_id=DEMO_USER_ID).values_list("status", flat=True))
    assert statuses == ["ENDED_CONFIRMED", "RUNNING"]
    assert WeeklyAllocation.objects.filter(user_id=DEMO_USER_ID).count() == 2
