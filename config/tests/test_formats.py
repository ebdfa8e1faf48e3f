"""Instants the admin shows as text name their zone (config/formats/en/formats.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from support.tests.factories import SupportSettingsFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_a_read_only_instant_on_a_change_page_names_its_zone(client):
    SupportSettingsFactory()
    ticket = TicketFactory(topic="zone")
    ticket.created_at = datetime(2026, 3, 29, 17, 5, tzinfo=UTC)
    ticket.save(update_fields=["created_at"])
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pw"))
    page = client.get(f"/admin/support/supportticket/{ticket.pk}/change/").content.decode()
    assert "Sun 29 Mar 2026, 17:05 UTC" in page


def test_the_site_zone_is_named_too(settings):
    settings.TIME_ZONE = "Europe/Brussels"
    with timezone.override("Europe/Brussels"):
        from django.utils.formats import date_format

        shown = date_format(timezone.localtime(datetime(2026, 7, 1, 16, 0, tzinfo=UTC)), "DATETIME_FORMAT")
    assert shown == "Wed 1 Jul 2026, 18:00 CEST"
