"""Members as the bot saw them, logins linked to Discord users, `/api_token`, and a login's actor."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from botworker.guilds import guild_configure
from botworker.interactions import handle_interaction
from botworker.members import login_actor
from botworker.models import DiscordLink, GuildMember
from botworker.permissions import ADMINISTRATOR
from botworker.tests.factories import GUILD_ID, MOD_ROLE, USER_ID, command_payload
from config.actors import actor_for_login, member_guild_ids

pytestmark = pytest.mark.django_db


def test_each_guild_interaction_records_the_members_roles_and_permissions():
    handle_interaction(command_payload("whoami", roles=[MOD_ROLE], permissions=ADMINISTRATOR))
    member = GuildMember.objects.get(guild_id=GUILD_ID, user_id=USER_ID)
    assert member.role_id_set == {MOD_ROLE}
    assert int(member.permissions) == ADMINISTRATOR
    first_seen = member.last_seen_at

    handle_interaction(command_payload("whoami", roles=[], permissions=0))
    member.refresh_from_db()
    assert member.role_id_set == frozenset()
    assert int(member.permissions) == 0
    assert member.last_seen_at > first_seen
    assert GuildMember.objects.count() == 1


def test_a_direct_message_records_no_member():
    handle_interaction(command_payload("whoami", guild_id=None))
    assert not GuildMember.objects.exists()


def test_a_failed_record_does_not_fail_the_interaction(monkeypatch):
    from django.db import DatabaseError

    def broken(*args, **kwargs):
        raise DatabaseError("boom")

    monkeypatch.setattr(GuildMember.objects, "bulk_create", broken)
    response = handle_interaction(command_payload("whoami"))
    assert "You are a **member** here." in response["data"]["content"]


def test_api_token_creates_a_linked_login_and_a_token_shown_once_ephemerally():
    response = handle_interaction(command_payload("api_token"))
    assert response["data"]["flags"] & 64
    link = DiscordLink.objects.get(discord_user_id=USER_ID)
    assert not link.user.has_usable_password()
    key = Token.objects.get(user=link.user).key
    assert key in response["data"]["content"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/scheduling/roles/").status_code == 200


def test_api_token_again_rotates_the_token_of_the_same_login():
    handle_interaction(command_payload("api_token"))
    old = Token.objects.get().key
    response = handle_interaction(command_payload("api_token"))
    new = Token.objects.get().key
    assert new != old and new in response["data"]["content"]
    assert User.objects.count() == 1
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert client.get("/api/scheduling/roles/").status_code == 401


def test_api_token_links_to_the_login_an_admin_linked():
    login = User.objects.create_user("alice", password="pw-long-enough-1")
    DiscordLink.objects.create(user=login, discord_user_id=USER_ID)
    handle_interaction(command_payload("api_token"))
    assert Token.objects.get().user == login
    assert login.check_password("pw-long-enough-1")


def test_a_linked_logins_level_is_resolved_from_the_roles_last_seen():
    guild_configure(guild_id=GUILD_ID, name="G", moderator_role_ids=[MOD_ROLE])
    login = User.objects.create_user("alice")
    DiscordLink.objects.create(user=login, discord_user_id=USER_ID)

    assert not actor_for_login(login, guild_id=GUILD_ID).is_member  # never seen there
    handle_interaction(command_payload("whoami", roles=[MOD_ROLE]))
    actor = actor_for_login(login, guild_id=GUILD_ID)
    assert (actor.user_id, actor.is_member, actor.is_moderator, actor.is_admin) == (USER_ID, True, True, False)
    assert actor.role_ids == {MOD_ROLE}
    assert list(member_guild_ids(login)) == [GUILD_ID]

    handle_interaction(command_payload("whoami", roles=[]))  # the role was taken away in Discord
    assert not login_actor(login, guild_id=GUILD_ID).is_moderator
    assert login_actor(login, guild_id=GUILD_ID + 1).is_member is False


def test_staff_and_anonymous_actors():
    from django.contrib.auth.models import AnonymousUser

    staff = User.objects.create_user("root", is_staff=True)
    assert actor_for_login(staff, guild_id=GUILD_ID).is_staff
    assert actor_for_login(AnonymousUser(), guild_id=GUILD_ID) == actor_for_login(None)


def test_the_user_admin_edits_the_discord_link(client):
    admin = User.objects.create_superuser("root", password="pw-long-enough-1")
    client.force_login(admin)
    page = client.get(f"/admin/auth/user/{admin.pk}/change/")
    assert page.status_code == 200
    assert b"discord_link-0-discord_user_id" in page.content or b"discord_link-TOTAL_FORMS" in page.content
