"""The personal-data registry: every model of every project app with a field that looks like a
Discord user id is registered (as personal, or as not personal with a reason), and the walk fails
for one that is not."""

from __future__ import annotations

import pytest
from django.db import models
from django.test.utils import isolate_apps

from config import gdpr as registry_module
from config.gdpr import Erase, Link, load, registry, unregistered_models, user_id_fields
from shifts.models import Shift
from support.models import SupportTicket


def test_every_model_with_a_discord_user_id_is_registered():
    assert unregistered_models() == {}, "register these in the app's gdpr.py (docs/gdpr.md)"


def test_the_walk_covers_every_project_app():
    apps = {model._meta.app_label for model in registry_module.project_models()}
    assert {"shifts", "scheduling", "attendance", "timetracking", "support", "botworker"} <= apps
    assert {"auth", "admin", "django_celery_beat"}.isdisjoint(apps)


def test_a_model_left_out_of_the_registry_fails_the_walk(monkeypatch):
    load()
    monkeypatch.delitem(registry.personal, SupportTicket)
    monkeypatch.setattr(registry_module, "project_models", lambda: [SupportTicket, Shift])
    assert unregistered_models() == {
        "support.SupportTicket": ["user_id", "claimed_by", "escalated_to", "closed_by", "deleted_by"]
    }


@isolate_apps("support")
def test_a_new_model_is_caught_by_name_and_can_be_declared_not_personal(monkeypatch):
    class Review(models.Model):  # noqa: DJ008
        reviewer_user_id = models.PositiveBigIntegerField()
        approved_by = models.PositiveBigIntegerField(null=True)
        channel_id = models.PositiveBigIntegerField()
        discord_role_id = models.PositiveBigIntegerField()

        class Meta:
            app_label = "support"

    assert unregistered_models([Review]) == {"support.Review": ["reviewer_user_id", "approved_by"]}
    monkeypatch.setattr(registry, "not_personal", dict(registry.not_personal))
    registry.register_not_personal(Review, reason="ids of bots, not of people")
    assert unregistered_models([Review]) == {}


@isolate_apps("support")
def test_a_foreign_key_to_a_personal_model_needs_registering_too():
    class Note(models.Model):  # noqa: DJ008
        ticket = models.ForeignKey(SupportTicket, on_delete=models.CASCADE)
        text = models.TextField()

        class Meta:
            app_label = "support"

    load()
    assert user_id_fields(Note) == ["ticket"]


@pytest.mark.parametrize(
    ("name", "looks_like_a_user"),
    [
        ("user_id", True),
        ("discord_user_id", True),
        ("claimed_by", True),
        ("escalated_to", True),
        ("reviewer_user_id", True),
        ("owner", True),
        ("author_id", True),
        ("signed_off_by", True),
        ("channel_id", False),
        ("discord_role_id", False),
        ("message_id", False),
        ("guild_id", False),
        ("byte_count", False),
    ],
)
def test_which_names_look_like_a_discord_user_id(name, looks_like_a_user):
    with isolate_apps("support"):
        model = type(
            "Probe",
            (models.Model,),
            {
                "__module__": __name__,
                name: models.PositiveBigIntegerField(),
                "Meta": type("Meta", (), {"app_label": "support"}),
            },
        )
        assert (user_id_fields(model) == [name]) is looks_like_a_user


def test_registrations_are_checked():
    with isolate_apps("support"):

        class Thing(models.Model):  # noqa: DJ008
            user_id = models.PositiveBigIntegerField()
            count = models.PositiveIntegerField()

            class Meta:
                app_label = "support"

        fresh = registry_module.Registry()
        with pytest.raises(ValueError, match="needs its reason"):
            fresh.register(Thing, Link("user_id", Erase.KEEP))
        with pytest.raises(ValueError, match="must be blankable"):
            fresh.register(Thing, Link("user_id", Erase.ANONYMISE, owns=("count",)))
        with pytest.raises(ValueError, match="say why"):
            fresh.register_not_personal(Thing, reason=" ")
        fresh.register(Thing, Link("user_id", Erase.DELETE))
        with pytest.raises(ValueError, match="registered twice"):
            fresh.register(Thing, Link("user_id", Erase.DELETE))
