"""The GDPR back office: consent versions are published (never edited) through the service, the
audit log is read-only, and the data-subject request exports (a download) or erases a member."""

from __future__ import annotations

import json

import pytest

from scheduling.models import Player
from scheduling.tests.factories import PlayerFactory
from support.models import ConsentVersion, GdprRequest
from support.services import gdpr

pytestmark = pytest.mark.django_db

GUILD = 796_000_000_000_000_001
MEMBER = 797_000_000_000_000_001
REQUEST_URL = "/admin/support/gdprrequest/add/"


def test_staff_publish_a_consent_version_and_cannot_edit_it(admin_client):
    response = admin_client.post(
        "/admin/support/consentversion/add/", {"guild_id": str(GUILD), "text": "We keep shifts.", "role_id": ""}
    )
    assert response.status_code == 302
    version = ConsentVersion.objects.get()
    assert (version.version, version.published_by) == (1, "admin")
    admin_client.post("/admin/support/consentversion/add/", {"guild_id": str(GUILD), "text": "Now tickets too."})
    assert list(ConsentVersion.objects.values_list("version", flat=True).order_by("version")) == [1, 2]
    page = admin_client.get(f"/admin/support/consentversion/{version.pk}/change/").content.decode()
    assert "We keep shifts." in page and 'name="text"' not in page
    listing = admin_client.get("/admin/support/consentversion/").content.decode()
    assert "accepted by" in listing.lower()


def test_the_data_subject_request_exports_a_download(admin_client):
    PlayerFactory(guild_id=GUILD, discord_user_id=MEMBER, display_name="Aria")
    assert admin_client.get(REQUEST_URL).status_code == 200
    response = admin_client.post(REQUEST_URL, {"subject_user_id": str(MEMBER), "kind": "export"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="guildhall-data-{MEMBER}.json"'
    exported = json.loads(response.content)
    assert exported["data"]["scheduling.Player"][0]["display_name"] == "Aria"
    request = GdprRequest.objects.get()
    assert (request.kind, request.source, request.requested_by_login) == ("export", "admin", "admin")
    assert "admin" in admin_client.get("/admin/support/gdprrequest/").content.decode()


def test_the_data_subject_request_erases_only_after_the_word(admin_client):
    PlayerFactory(guild_id=GUILD, discord_user_id=MEMBER)
    refused = admin_client.post(REQUEST_URL, {"subject_user_id": str(MEMBER), "kind": "erase", "confirmation": "yes"})
    assert refused.status_code == 200 and gdpr.NOT_CONFIRMED in refused.content.decode()
    assert Player.objects.exists() and not GdprRequest.objects.exists()
    bad = admin_client.post(REQUEST_URL, {"subject_user_id": "12ab", "kind": "export"})
    assert "Give the member&#x27;s Discord user id" in bad.content.decode() and not GdprRequest.objects.exists()
    done = admin_client.post(
        REQUEST_URL, {"subject_user_id": str(MEMBER), "kind": "erase", "confirmation": "DELETE"}, follow=True
    )
    assert f"The data of {MEMBER} was erased" in done.content.decode()
    assert not Player.objects.exists()
    assert GdprRequest.objects.get().kind == "erase"
