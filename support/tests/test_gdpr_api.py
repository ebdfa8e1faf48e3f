"""GDPR's API for a guild's admins: acceptances per consent version, and the requests made from
the guild (filtered by kind; a bad kind is a 400 on its field); members and moderators are refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from botworker.guilds import guild_configure
from config.actors import Actor
from conftest import link_member
from support import services

pytestmark = pytest.mark.django_db

GUILD = 798_000_000_000_000_001
OTHER_GUILD = 798_000_000_000_000_002
ADMIN_ROLE = 799_000_000_000_000_001
MOD_ROLE = 799_000_000_000_000_002
ADMIN_USER = 798_100_000_000_000_001
MEMBER = 798_100_000_000_000_002
MOD = 798_100_000_000_000_003
URL = f"/api/support/guilds/{GUILD}/gdpr/"


@pytest.fixture
def clients():
    guild_configure(guild_id=GUILD, name="G", admin_role_ids=[ADMIN_ROLE], moderator_role_ids=[MOD_ROLE])
    people = {
        "admin": link_member(
            User.objects.create_user("a"), guild_id=GUILD, discord_user_id=ADMIN_USER, role_ids=[ADMIN_ROLE]
        ),
        "member": link_member(User.objects.create_user("m"), guild_id=GUILD, discord_user_id=MEMBER),
        "mod": link_member(User.objects.create_user("o"), guild_id=GUILD, discord_user_id=MOD, role_ids=[MOD_ROLE]),
    }
    result = {}
    for name, user in people.items():
        result[name] = APIClient()
        result[name].force_authenticate(user)
    return result


def test_admins_see_acceptances_per_version_and_the_requests(clients):
    system = Actor(is_staff=True)
    first = services.consent_version_publish(guild_id=GUILD, actor=system, text="v1")
    services.consent_accept(guild_id=GUILD, user_id=MEMBER, consent_id=first.pk)
    services.consent_accept(guild_id=GUILD, user_id=MOD, consent_id=first.pk)
    second = services.consent_version_publish(guild_id=GUILD, actor=system, text="v2", role_id=ADMIN_ROLE)
    services.consent_accept(guild_id=GUILD, user_id=MEMBER, consent_id=second.pk)
    services.consent_version_publish(guild_id=OTHER_GUILD, actor=system, text="elsewhere")
    services.gdpr_export(subject_user_id=MEMBER, actor=Actor(user_id=MEMBER), source="discord", guild_id=GUILD)
    services.gdpr_export(subject_user_id=MOD, actor=Actor(user_id=MOD), source="discord", guild_id=OTHER_GUILD)
    services.gdpr_erase(
        subject_user_id=MOD, actor=Actor(user_id=MOD), source="discord", confirmation="DELETE", guild_id=GUILD
    )

    overview = clients["admin"].get(URL).json()
    assert overview["current_version"] == 2
    assert [(v["version"], v["acceptances"], v["role_id"]) for v in overview["versions"]] == [
        (2, 1, str(ADMIN_ROLE)),
        (1, 1, None),  # the moderator's acceptance went with their erasure
    ]
    assert overview["requests"] == {"export": 1, "erase": 1}

    listed = clients["admin"].get(URL + "requests/").json()
    assert listed["count"] == 2
    assert [(r["kind"], r["subject_user_id"], r["requested_in"]) for r in listed["results"]] == [
        ("erase", str(MOD), "discord"),
        ("export", str(MEMBER), "discord"),
    ]
    exports = clients["admin"].get(URL + "requests/", {"kind": "export"}).json()
    assert [r["kind"] for r in exports["results"]] == ["export"]
    bad = clients["admin"].get(URL + "requests/", {"kind": "everything"})
    assert bad.status_code == 400 and "kind" in bad.json()["fields"]


@pytest.mark.parametrize("who", ["member", "mod"])
def test_members_and_moderators_are_refused(clients, who):
    assert clients[who].get(URL).status_code == 403
    assert clients[who].get(URL + "requests/").status_code == 403
