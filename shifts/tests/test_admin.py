"""The back office: lists with filters and user-id search; actions and saves through the services."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from botworker.models import BotAction
from shifts.models import ModSchedule, Shift, ShiftPolicy
from shifts.tests.factories import GUILD, MOD_A, MOD_B, OTHER_GUILD, ModScheduleFactory, ShiftFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


def test_shift_list_filters_and_search(officer):
    now = timezone.now()
    open_shift = ShiftFactory(start_time_utc=now + timedelta(days=1), description="open one")
    claimed = ShiftFactory(start_time_utc=now + timedelta(days=1), claimed_by=MOD_A, claimed_at=now)
    ShiftFactory(guild_id=OTHER_GUILD, start_time_utc=now - timedelta(days=1))

    def listed(query: str) -> set[int]:
        response = officer.get(f"/admin/shifts/shift/?{query}")
        assert response.status_code == 200
        return {obj.pk for obj in response.context["cl"].result_list}

    assert listed(f"guild={GUILD}") == {open_shift.pk, claimed.pk}
    assert listed("state=open") == {open_shift.pk}
    assert listed("state=claimed") == {claimed.pk}
    assert listed(f"when=upcoming&guild={GUILD}") == {open_shift.pk, claimed.pk}
    assert listed(f"q={MOD_A}") == {claimed.pk}
    assert officer.get(f"/admin/shifts/shift/{open_shift.pk}/change/").status_code == 200


def test_cancel_action_goes_through_the_service(officer):
    now = timezone.now()
    claimed = ShiftFactory(start_time_utc=now + timedelta(days=1), claimed_by=MOD_A, claimed_at=now)
    done = ShiftFactory(start_time_utc=now + timedelta(days=1), cancelled=True, cancelled_at=now, cancelled_by=MOD_B)
    response = officer.post(
        "/admin/shifts/shift/",
        {"action": "cancel_shifts", "_selected_action": [claimed.pk, done.pk]},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert "Cancelled 1 shift(s)." in shown
    assert any("is already cancelled" in m for m in shown)
    assert Shift.objects.get(pk=claimed.pk).cancelled is True
    # The service's signal re-rendered the message and told the claimer.
    assert BotAction.objects.filter(kind="send_dm", payload__user_id=str(MOD_A)).exists()


def test_schedule_list_search_and_remove_action(officer):
    mine = ModScheduleFactory(user_id=MOD_A)
    theirs = ModScheduleFactory(user_id=MOD_B)
    response = officer.get(f"/admin/shifts/modschedule/?q={MOD_B}")
    assert [obj.pk for obj in response.context["cl"].result_list] == [theirs.pk]
    officer.post("/admin/shifts/modschedule/", {"action": "remove_slots", "_selected_action": [mine.pk]})
    assert list(ModSchedule.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_policy_form_saves_through_the_service_and_validates(officer):
    form = {
        "guild_id": GUILD,
        "max_hours_7d": 5,
        "heavy_lock_window_minutes": 30,
        "min_duration_hours": 0.5,
        "max_duration_hours": 8,
        "default_duration_hours": 10,
    }
    response = officer.post("/admin/shifts/shiftpolicy/add/", form)
    assert response.status_code == 200  # the form is shown again: the default is over the maximum
    assert "shiftpolicy_default_within_limits" in response.content.decode()
    assert not ShiftPolicy.objects.exists()
    form["default_duration_hours"] = 1.5
    response = officer.post("/admin/shifts/shiftpolicy/add/", form)
    assert response.status_code == 302
    policy = ShiftPolicy.objects.get()
    assert (policy.max_hours_7d, policy.heavy_lock_window_minutes, policy.default_duration_hours) == (5, 30, 1.5)
    # The shift channel and the default zone are the guild configuration's, not the policy's.
    assert {"channel_id", "default_timezone"}.isdisjoint(f.name for f in ShiftPolicy._meta.get_fields())


def test_demo_data_loads_once():
    from django.apps import apps

    config = apps.get_app_config("shifts")
    assert "4 moderator slots" in config.load_demo_data()
    assert config.load_demo_data() == "demo shift policy already present"
    assert ModSchedule.objects.count() == 4


@pytest.mark.parametrize("term", ["9223372036854775808", "99999999999999999999", "１２"])
def test_searching_for_what_is_not_a_discord_id_finds_nothing_and_never_fails(officer, term):
    ShiftFactory(claimed_by=MOD_A, claimed_at=timezone.now())
    response = officer.get("/admin/shifts/shift/", {"q": term})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
