import io

import pytest
from django.core.management import CommandError, call_command

from botworker.guilds import DEMO_GUILD_ID, guild_configure
from botworker.models import GuildChannel, GuildConfig, GuildRole
from config.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


def configure(*args):
    out = io.StringIO()
    call_command("configure_guild", *args, stdout=out)
    return out.getvalue()


def test_configure_guild_command_writes_roles_channels_and_zone():
    output = configure(
        "123456789012345678",
        "--name",
        "Raiders",
        "--mod-role",
        "11",
        "--mod-role",
        "12",
        "--admin-role",
        "13",
        "--channel",
        "shifts=21",
        "--channel",
        "logs=22",
        "--timezone",
        "America/New_York",
    )
    config = GuildConfig.objects.get(guild_id=123456789012345678)
    assert (config.name, config.timezone.key) == ("Raiders", "America/New_York")
    assert sorted(config.roles.values_list("kind", "role_id")) == [("admin", 13), ("moderator", 11), ("moderator", 12)]
    assert dict(config.channels.values_list("feature", "channel_id")) == {"shifts": 21, "logs": 22}
    assert "roles: admin 13, moderator 11, moderator 12" in output


def test_configure_again_replaces_roles_and_keeps_other_channels():
    configure("5", "--mod-role", "1", "--channel", "shifts=2", "--channel", "logs=3")
    configure("5", "--mod-role", "9", "--channel", "shifts=4")
    config = GuildConfig.objects.get(guild_id=5)
    assert list(config.roles.values_list("role_id", flat=True)) == [9]
    assert dict(config.channels.values_list("feature", "channel_id")) == {"shifts": 4, "logs": 3}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["abc"], "'abc' is not a Discord id"),
        (["5", "--timezone", "Mars/Base"], "'Mars/Base' is not an IANA time zone"),
        (["5", "--channel", "nonsense=1"], "'nonsense' is not a channel feature"),
        (["5", "--channel", "shifts"], "write it as FEATURE=CHANNEL_ID"),
        (["5", "--mod-role", "-3"], "'-3' is not a Discord id"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        configure(*args)
    assert not GuildConfig.objects.exists()
    assert not GuildRole.objects.exists() and not GuildChannel.objects.exists()


def test_service_refuses_before_writing():
    with pytest.raises(ApplicationError):
        guild_configure(guild_id=7, timezone="Nowhere/Land", moderator_role_ids=[1])
    assert not GuildConfig.objects.exists()


def test_demo_data_loads_the_demo_guild_once(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    call_command("bootstrap", stdout=out)
    assert f"demo data (botworker): demo guild {DEMO_GUILD_ID} created" in out.getvalue()
    assert "demo data (botworker): demo guild already present" in out.getvalue()
    assert GuildConfig.objects.filter(guild_id=DEMO_GUILD_ID).count() == 1


def test_guild_configuration_is_cached_and_forgotten_on_change(django_assert_num_queries):
    from botworker.guilds import guild_config_for

    assert guild_config_for(5) is None
    with django_assert_num_queries(0):
        assert guild_config_for(5) is None  # "not configured" is cached too
    guild_configure(guild_id=5, moderator_role_ids=[1])
    config = guild_config_for(5)
    assert [r.role_id for r in config.roles.all()] == [1]
    with django_assert_num_queries(0):
        cached = guild_config_for(5)
        assert [r.role_id for r in cached.roles.all()] == [1]
        assert list(cached.channels.all()) == []
    guild_configure(guild_id=5, moderator_role_ids=[2], channels={"logs": 9})
    config = guild_config_for(5)
    assert [r.role_id for r in config.roles.all()] == [2]
    assert [c.channel_id for c in config.channels.all()] == [9]
    GuildRole.objects.filter(guild=config).first().delete()  # as the admin's inline does
    assert list(guild_config_for(5).roles.all()) == []


def test_a_process_holds_a_configuration_for_seconds_and_reads_another_processs_change_after(monkeypatch):
    from django.core.cache import cache

    from botworker import guilds

    clock = [1000.0]
    monkeypatch.setattr(guilds.time, "monotonic", lambda: clock[0])
    guild_configure(guild_id=5, moderator_role_ids=[1])
    held = guilds.guild_config_for(5)
    # Another process changes the configuration: the shared cache is emptied, the rows change.
    GuildRole.objects.filter(guild__guild_id=5).update(role_id=2)
    cache.delete(guilds._config_key(5))
    clock[0] += guilds.LOCAL_CONFIG_SECONDS / 2
    assert guilds.guild_config_for(5) is held  # no unpickling, no cache round trip
    clock[0] += guilds.LOCAL_CONFIG_SECONDS
    assert [r.role_id for r in guilds.guild_config_for(5).roles.all()] == [2]


def test_a_change_in_this_process_is_seen_at_once(django_capture_on_commit_callbacks):
    from botworker.guilds import guild_config_for

    guild_configure(guild_id=5, moderator_role_ids=[1])
    assert [r.role_id for r in guild_config_for(5).roles.all()] == [1]
    with django_capture_on_commit_callbacks(execute=True):
        guild_configure(guild_id=5, moderator_role_ids=[3])
    assert [r.role_id for r in guild_config_for(5).roles.all()] == [3]


def test_a_role_change_takes_effect_on_the_next_interaction():
    from botworker.interactions import handle_interaction
    from botworker.tests.factories import command_payload

    guild_configure(guild_id=7, admin_role_ids=[70])
    payload = command_payload("whoami", guild_id=7, roles=(70,))
    assert "**admin**" in handle_interaction(payload)["data"]["content"]
    guild_configure(guild_id=7, admin_role_ids=[71])
    assert "**member**" in handle_interaction(command_payload("whoami", guild_id=7, roles=(70,)))["data"]["content"]


def inline_data(config=None, *, roles=(), channels=(), **fields) -> dict:
    """The POST body of the guild configuration's change form, with its two inline formsets."""
    data = {"guild_id": "", "name": "", "timezone": "UTC", **fields}
    for prefix, rows, keys in (
        ("roles", roles, ("role_id", "kind")),
        ("channels", channels, ("feature", "channel_id")),
    ):
        existing = list(getattr(config, prefix).order_by("pk")) if config else []
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(rows)),
                f"{prefix}-INITIAL_FORMS": str(len(existing)),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for index, row in enumerate(rows):
            values, delete = (row[:2], False) if len(row) == 2 else (row[:2], row[2] == "delete")
            data.update({f"{prefix}-{index}-{key}": str(value) for key, value in zip(keys, values, strict=True)})
            if index < len(existing):
                data[f"{prefix}-{index}-id"] = str(existing[index].pk)
                data[f"{prefix}-{index}-guild"] = str(config.pk)
            if delete:
                data[f"{prefix}-{index}-DELETE"] = "on"
    return data


def test_admin_writes_the_configuration_through_guild_configure(admin_client, monkeypatch):
    from django.urls import reverse

    from botworker import guilds
    from botworker.admin import guilds as guild_admin

    calls = []

    def recording_configure(**kwargs):
        calls.append(kwargs)
        return guilds.guild_configure(**kwargs)

    monkeypatch.setattr(guild_admin, "guild_configure", recording_configure)
    added = admin_client.post(
        reverse("admin:botworker_guildconfig_add"),
        inline_data(
            guild_id="42",
            name="Raiders",
            timezone="Europe/Berlin",
            roles=[(11, "moderator"), (12, "admin")],
            channels=[("shifts", 21), ("logs", 22)],
        ),
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    config = GuildConfig.objects.get(guild_id=42)
    assert (config.name, config.timezone.key) == ("Raiders", "Europe/Berlin")
    assert sorted(config.roles.values_list("kind", "role_id")) == [("admin", 12), ("moderator", 11)]
    assert dict(config.channels.values_list("feature", "channel_id")) == {"shifts": 21, "logs": 22}
    assert calls[1] == {
        "guild_id": 42,
        "moderator_role_ids": [11],
        "admin_role_ids": [12],
        "channels": {"shifts": 21, "logs": 22},
    }

    # Change: drop the admin role, add a moderator role, delete the logs channel, move shifts.
    changed = admin_client.post(
        reverse("admin:botworker_guildconfig_change", args=[config.pk]),
        inline_data(
            config,
            name="Raiders",
            timezone="Europe/Berlin",
            roles=[(11, "moderator"), (12, "admin", "delete"), (13, "moderator")],
            channels=[("shifts", 23), ("logs", 22, "delete")],
        ),
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert sorted(config.roles.values_list("kind", "role_id")) == [("moderator", 11), ("moderator", 13)]
    assert dict(config.channels.values_list("feature", "channel_id")) == {"shifts": 23}
    assert calls[-1]["channels"] == {"shifts": 23, "logs": None}
    assert len(calls) == 4  # save_model and save_related, twice: nothing bypasses the service


def test_admin_refuses_what_the_service_refuses_and_writes_nothing(admin_client):
    from django.urls import reverse

    # The zone is a list of canonical zones now; a name outside it is refused by the form.
    response = admin_client.post(
        reverse("admin:botworker_guildconfig_add"),
        inline_data(guild_id="43", timezone="Mars/Base", roles=[(11, "moderator")]),
    )
    assert response.status_code == 200
    assert "Mars/Base is not one of the available choices" in response.content.decode()
    assert not GuildConfig.objects.exists() and not GuildRole.objects.exists()


def test_the_guild_zone_is_offered_as_a_list_of_canonical_zones(admin_client):
    from django.urls import reverse

    page = admin_client.get(reverse("admin:botworker_guildconfig_add")).content.decode()
    assert '<select name="timezone"' in page
    assert '<option value="Europe/Berlin">Europe/Berlin</option>' in page
    assert 'value="localtime"' not in page and 'value="US/Eastern"' not in page


def test_configure_guild_refuses_a_zone_with_a_suggestion():
    with pytest.raises(ApplicationError) as refused:
        guild_configure(guild_id=44, timezone="US/Eastern")
    assert refused.value.message == "'US/Eastern' is not an IANA time zone. Did you mean America/New_York?"
    assert not GuildConfig.objects.exists()
