"""The support desk's API (who sees which tickets, bad filters are a 400) and its admin pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from botworker.guilds import guild_configure
from conftest import link_member
from support.models import SupportTicket
from support.tests.factories import GUILD, OTHER_MEMBER, REQUESTER, STAFF_ROLE, SupportSettingsFactory, TicketFactory

pytestmark = pytest.mark.django_db

URL = f"/api/support/guilds/{GUILD}/tickets/"


@pytest.fixture
def world():
    guild_configure(guild_id=GUILD, name="Desk")
    SupportSettingsFactory()
    mine = TicketFactory(user_id=REQUESTER, topic="mine")
    theirs = TicketFactory(user_id=OTHER_MEMBER, topic="theirs", status="closed", closed_at=mine.created_at)
    member = link_member(User.objects.create_user("member"), guild_id=GUILD, discord_user_id=REQUESTER)
    supporter = link_member(
        User.objects.create_user("supporter"), guild_id=GUILD, discord_user_id=OTHER_MEMBER + 5, role_ids=[STAFF_ROLE]
    )
    return {"mine": mine, "theirs": theirs, "member": member, "supporter": supporter}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_member_sees_their_own_tickets_and_support_staff_all(world):
    member = client_for(world["member"])
    assert [t["topic"] for t in member.get(URL).json()] == ["mine"]
    assert member.get(f"{URL}{world['theirs'].pk}/").status_code == 404
    supporter = client_for(world["supporter"])
    assert {t["topic"] for t in supporter.get(URL).json()} == {"mine", "theirs"}
    assert [t["topic"] for t in supporter.get(URL, {"status": "closed"}).json()] == ["theirs"]
    detail = supporter.get(f"{URL}{world['mine'].pk}/").json()
    assert detail["user_id"] == str(REQUESTER) and detail["status_changes"] == []


def test_a_bad_status_filter_is_a_400_naming_the_field(world):
    response = client_for(world["supporter"]).get(URL, {"status": "lost"})
    assert response.status_code == 400 and "status" in response.json()["fields"]


def test_claim_through_the_api_by_a_support_role(world):
    response = client_for(world["supporter"]).post(f"{URL}{world['mine'].pk}/claim/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "claimed" and response.json()["status_changes"][0]["to_status"] == "claimed"
    refused = client_for(world["member"]).post(f"{URL}{world['mine'].pk}/claim/")
    assert refused.status_code == 403
    assert SupportTicket.objects.get(pk=world["mine"].pk).claimed_by == OTHER_MEMBER + 5


def test_admin_pages_render_and_settings_save_through_the_service(world, client):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pw"))
    for url in (
        "/admin/support/supportticket/",
        f"/admin/support/supportticket/{world['mine'].pk}/change/",
        "/admin/support/supportsettings/",
        "/admin/support/supportsettings/add/",
        f"/admin/support/supportsettings/{SupportSettingsFactory().pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/admin/support/supportticket/?q={REQUESTER}").context["cl"].result_count == 1
