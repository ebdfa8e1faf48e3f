"""Consent versioning: admins publish numbered versions; a member accepts the current one once; a
new version asks again (the old one can no longer be accepted); the version's role is given
through the outbox."""

from __future__ import annotations

import pytest

from botworker.models import BotAction
from config.actors import Actor
from config.exceptions import ApplicationError
from support import services
from support.models import ConsentAcceptance, ConsentVersion
from support.services import gdpr

pytestmark = pytest.mark.django_db

GUILD = 793_000_000_000_000_001
OTHER_GUILD = 793_000_000_000_000_002
MEMBER = 794_000_000_000_000_001
ROLE = 795_000_000_000_000_001
ADMIN = Actor(user_id=794_000_000_000_000_009, is_admin=True, is_moderator=True)


def publish(text="We keep your shifts and tickets.", guild_id=GUILD, **kwargs) -> ConsentVersion:
    return services.consent_version_publish(guild_id=guild_id, actor=ADMIN, text=text, **kwargs)


def test_versions_are_numbered_per_guild():
    assert [publish().version, publish("v2").version, publish(guild_id=OTHER_GUILD).version] == [1, 2, 1]
    assert services.consent_current(GUILD).text == "v2"
    assert services.consent_current(793_000_000_000_000_003) is None


@pytest.mark.parametrize(
    ("actor", "text", "message"),
    [
        (Actor(user_id=MEMBER, is_moderator=True), "text", gdpr.NOT_ADMIN),
        (ADMIN, "   ", gdpr.CONSENT_TEXT_REQUIRED),
        (ADMIN, "x" * (gdpr.CONSENT_TEXT_LIMIT + 1), gdpr.CONSENT_TEXT_TOO_LONG),
    ],
)
def test_publishing_refusals_write_nothing(actor, text, message):
    with pytest.raises(ApplicationError) as refused:
        services.consent_version_publish(guild_id=GUILD, actor=actor, text=text)
    assert refused.value.template == message
    assert not ConsentVersion.objects.exists()


def test_a_member_accepts_the_current_version_once_and_a_new_version_asks_again():
    first = publish(role_id=ROLE)
    accepted = services.consent_accept(guild_id=GUILD, user_id=MEMBER, consent_id=first.pk)
    assert accepted.consent == first
    role = BotAction.objects.get(kind="add_role")
    assert role.payload == {
        "guild_id": str(GUILD),
        "user_id": str(MEMBER),
        "role_id": str(ROLE),
        "reason": "Accepted version 1 of the data-protection text",
    }
    with pytest.raises(ApplicationError) as again:
        services.consent_accept(guild_id=GUILD, user_id=MEMBER, consent_id=first.pk)
    assert again.value.template == gdpr.ALREADY_ACCEPTED and again.value.params["version"] == 1

    second = publish("New text")  # no role this time
    with pytest.raises(ApplicationError) as outdated:
        services.consent_accept(guild_id=GUILD, user_id=MEMBER + 1, consent_id=first.pk)
    assert outdated.value.template == gdpr.OUTDATED_VERSION and outdated.value.params == {"version": 1, "current": 2}
    services.consent_accept(guild_id=GUILD, user_id=MEMBER, consent_id=second.pk)
    versions = [a.consent.version for a in services.consent_acceptances(guild_id=GUILD, user_id=MEMBER)]
    assert versions == [2, 1]
    assert BotAction.objects.filter(kind="add_role").count() == 1


def test_another_guilds_version_cannot_be_accepted():
    theirs = publish(guild_id=OTHER_GUILD)
    publish()
    with pytest.raises(ApplicationError) as refused:
        services.consent_accept(guild_id=GUILD, user_id=MEMBER, consent_id=theirs.pk)
    assert refused.value.template == gdpr.CONSENT_NOT_FOUND
    assert not ConsentAcceptance.objects.exists()


def test_an_erased_member_loses_the_consent_role():
    services.consent_accept(guild_id=GUILD, user_id=MEMBER, consent_id=publish(role_id=ROLE).pk)
    request = services.gdpr_erase(
        subject_user_id=MEMBER, actor=Actor(user_id=MEMBER), source="discord", confirmation="DELETE"
    )
    removal = BotAction.objects.get(kind="remove_role")
    assert removal.payload == {
        "guild_id": str(GUILD),
        "user_id": str(MEMBER),
        "role_id": str(ROLE),
        "reason": "Data erased",
    }
    assert removal.dedupe_key == f"gdpr:erased:{request.pk}:role:{GUILD}:{ROLE}"
    assert not ConsentAcceptance.objects.exists()
