import io
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from config.periodic import DECLARED_IN_CODE, sync_periodic_tasks

pytestmark = pytest.mark.django_db


def run_bootstrap() -> str:
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


def test_bootstrap_creates_admin_and_periodic_tasks_once(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    first = run_bootstrap()
    second = run_bootstrap()

    login_file = tmp_path / "admin-login.txt"
    name, password = login_file.read_text().split("\n")[:2]
    assert stat.S_IMODE(login_file.stat().st_mode) == 0o600
    assert f"admin login: admin / {password}" in first
    assert f"admin login: admin / {password}" in second  # printed again, not regenerated
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    assert f"periodic tasks: {len(settings.PERIODIC_TASKS)} created" in first
    assert "periodic tasks: 0 created, 0 updated" in second
    assert PeriodicTask.objects.filter(name="clear expired sessions").count() == 1


def test_bootstrap_uses_superuser_from_the_environment(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "chief")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-chief-password")
    output = run_bootstrap()
    chief = get_user_model().objects.get(username="chief")
    assert chief.is_superuser and chief.is_staff and chief.check_password("a-long-chief-password")
    assert "admin login: chief" in output
    assert "a-long-chief-password" not in output
    assert not (tmp_path / "admin-login.txt").exists()


def test_periodic_declarations_create_update_and_disable():
    declared = {"nightly": {"task": "guildhall.clear_expired_sessions", "crontab": {"minute": "5", "hour": "2"}}}
    assert sync_periodic_tasks(declared)["created"] == ["nightly"]
    assert sync_periodic_tasks(declared) == {"created": [], "updated": [], "disabled": []}

    declared["nightly"]["crontab"]["hour"] = "4"
    assert sync_periodic_tasks(declared)["updated"] == ["nightly"]
    row = PeriodicTask.objects.get(name="nightly")
    assert (row.crontab.minute, row.crontab.hour, str(row.crontab.timezone)) == ("5", "4", "UTC")
    assert row.description == DECLARED_IN_CODE

    officer_made = PeriodicTask.objects.create(name="officer", task="x", crontab=CrontabSchedule.objects.first())
    assert sync_periodic_tasks({})["disabled"] == ["nightly"]
    assert not PeriodicTask.objects.get(name="nightly").enabled
    officer_made.refresh_from_db()
    assert officer_made.enabled


def test_interval_declaration():
    sync_periodic_tasks({"often": {"task": "t", "every_seconds": 30, "kwargs": {"a": 1}}})
    row = PeriodicTask.objects.get(name="often")
    assert (row.interval.every, row.interval.period, row.kwargs) == (30, "seconds", '{"a": 1}')
