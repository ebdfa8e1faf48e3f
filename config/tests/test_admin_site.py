"""The back office's front page: the apps grouped as an officer thinks of the work."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_front_page_groups_the_apps_with_a_line_each(admin_client):
    response = admin_client.get(reverse("admin:index"))
    groups = [app["name"] for app in response.context["app_list"]]
    assert groups[:6] == ["Shifts", "Raids", "Time tracking", "Support", "Discord set-up", "Scheduled tasks"]
    assert "Moderator coverage" in response.content.decode()
    by_group = {app["name"]: {m["object_name"] for m in app["models"]} for app in response.context["app_list"]}
    assert {"Reminder", "ScheduledJob", "Dispatch"} <= by_group["Scheduled tasks"]
    assert not {"Reminder", "ScheduledJob", "Dispatch"} & by_group["Raids"]
    listed = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    registered = {model.__name__ for model in admin.site._registry}
    assert listed == registered


def test_the_back_office_loads_its_own_styles(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "guildhall/admin.css" in page
