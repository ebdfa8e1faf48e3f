import logging

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from botworker.guilds import guild_configure
from botworker.interactions import InvalidInteraction, Reply, handle_interaction, handling
from botworker.interactions.routing import (
    CRASHED,
    MALFORMED_COMPONENT,
    NEEDS_CONFIG,
    NEEDS_GUILD,
    NEEDS_LEVEL,
    UNKNOWN_COMMAND,
    UNKNOWN_COMPONENT,
)
from botworker.models import InteractionRecord, PermissionLevel
from botworker.tests.factories import (
    ADMIN_ROLE,
    GUILD_ID,
    MOD_ROLE,
    USER_ID,
    GuildConfigFactory,
    command_payload,
    component_payload,
    modal_payload,
)
from botworker.tests.routers import REFUSAL, build_test_router

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def test_router(monkeypatch):
    r = build_test_router()
    monkeypatch.setattr(handling, "router", r)
    return r


@pytest.fixture
def configured():
    return guild_configure(guild_id=GUILD_ID, name="Test", moderator_role_ids=[MOD_ROLE], admin_role_ids=[ADMIN_ROLE])


def ephemeral_text(response):
    assert response["type"] == 4
    assert response["data"]["flags"] == 64
    return response["data"]["content"]


def test_slash_command_reaches_its_handler():
    response = handle_interaction(command_payload("echo", [{"name": "text", "type": 3, "value": "hi"}]))
    assert response == {
        "type": 4,
        "data": {
            "content": f"echo hi from {USER_ID} level 0",
            "embeds": [],
            "components": [],
            "allowed_mentions": {"parse": []},
        },
    }


def test_subcommand_with_typed_options():
    options = [
        {
            "name": "add",
            "type": 1,
            "options": [
                {"name": "member", "type": 6, "value": "123456789"},
                {"name": "hours", "type": 10, "value": 2.5},
            ],
        }
    ]
    response = handle_interaction(command_payload("team", options))
    assert ephemeral_text(response) == "added 123456789 for 2.5h"


def test_option_out_of_range_is_refused():
    options = [
        {
            "name": "add",
            "type": 1,
            "options": [{"name": "member", "type": 6, "value": "1"}, {"name": "hours", "type": 10, "value": 9}],
        }
    ]
    assert ephemeral_text(handle_interaction(command_payload("team", options))) == "`hours`: must be at most 8."


def test_missing_required_option_is_refused():
    options = [{"name": "add", "type": 1, "options": []}]
    assert ephemeral_text(handle_interaction(command_payload("team", options))) == "`member`: is required."


def test_button_reaches_its_handler_and_updates_the_message():
    response = handle_interaction(component_payload("claim_shift:42"))
    assert response["type"] == 7
    assert response["data"]["content"] == f"claimed 42 by {USER_ID}"


def test_modal_opens_and_its_submit_reaches_the_handler():
    opened = handle_interaction(command_payload("ask"))
    assert opened == {
        "type": 9,
        "data": {
            "custom_id": "rename:7",
            "title": "Rename",
            "components": [
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 4,
                            "custom_id": "name",
                            "label": "New name",
                            "style": 1,
                            "required": True,
                            "value": "old",
                        }
                    ],
                }
            ],
        },
    }
    submitted = handle_interaction(modal_payload("rename:7", {"name": "Raid night"}))
    assert ephemeral_text(submitted) == "renamed 7 to Raid night"


def test_autocomplete_answers_at_most_25_choices():
    payload = command_payload("echo", [{"name": "text", "type": 3, "value": "ab", "focused": True}], kind=4)
    response = handle_interaction(payload)
    assert response["type"] == 8
    assert len(response["data"]["choices"]) == 25
    assert response["data"]["choices"][0] == {"name": "ab0", "value": "ab0"}
    assert not InteractionRecord.objects.exists()


def test_unknown_command_gets_a_clean_answer():
    assert ephemeral_text(handle_interaction(command_payload("nope"))) == UNKNOWN_COMMAND.format(name="nope")


@pytest.mark.parametrize(
    ("custom_id", "message"),
    [
        ("claim_shift:abc", MALFORMED_COMPONENT),
        ("claim_shift:", MALFORMED_COMPONENT),
        ("claim_shift:0", MALFORMED_COMPONENT),
        ("claim_shift:-5", MALFORMED_COMPONENT),
        ("claim_shift:" + "9" * 288, MALFORMED_COMPONENT),
        ("x" * 300, MALFORMED_COMPONENT),
        ("", MALFORMED_COMPONENT),
        ("Claim Shift:1", MALFORMED_COMPONENT),
        ("unknown_action:1", UNKNOWN_COMPONENT),
    ],
)
def test_bad_custom_ids_get_a_clean_answer(custom_id, message):
    assert ephemeral_text(handle_interaction(component_payload(custom_id))) == message


def test_domain_error_becomes_its_message():
    assert ephemeral_text(handle_interaction(command_payload("refuse"))) == REFUSAL


def test_crash_becomes_a_reference_that_is_in_the_log(caplog):
    with caplog.at_level(logging.ERROR, logger="guildhall.interactions"):
        text = ephemeral_text(handle_interaction(command_payload("crash")))
    reference = text.split("reference ")[1].split(")")[0]
    assert text == CRASHED.format(reference=reference)
    assert "exploded" not in text and "Traceback" not in text
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info[1].args == ("the handler exploded",)


def test_same_interaction_id_is_handled_once():
    payload = command_payload("write")
    first = handle_interaction(payload)
    second = handle_interaction(payload)
    assert first == second
    assert Group.objects.filter(name=f"written-by-{payload['id']}").count() == 1
    assert InteractionRecord.objects.get(interaction_id=int(payload["id"])).response == first


def test_a_repeat_runs_with_its_writes_rolled_back_and_gets_the_first_answer(test_router):
    runs = []

    @test_router.command("append", description="Writes a new row on every run")
    def append(inv):
        runs.append(inv.interaction_id)
        group = Group.objects.create(name=f"run-{len(runs)}")
        return Reply(content=f"wrote {group.name}")

    payload = command_payload("append")
    first = handle_interaction(payload)
    second = handle_interaction(payload)
    assert second == first and first["data"]["content"] == "wrote run-1"
    assert list(Group.objects.values_list("name", flat=True)) == ["run-1"]
    assert InteractionRecord.objects.get().response == first


def test_a_repeat_whose_run_fails_on_the_first_runs_writes_gets_the_first_answer(caplog):
    payload = command_payload("write")  # a unique group name: the repeat's insert fails
    first = handle_interaction(payload)
    with caplog.at_level(logging.INFO, logger="guildhall.interactions"):
        assert handle_interaction(payload) == first
    assert Group.objects.filter(name=f"written-by-{payload['id']}").count() == 1
    assert any("repeat of an interaction already handled" in r.getMessage() for r in caplog.records)


def test_a_deferred_command_is_queued_once_and_keeps_its_payload(django_capture_on_commit_callbacks, monkeypatch):
    from botworker import tasks

    queued = []
    monkeypatch.setattr(tasks, "queue_deferred_interaction", queued.append)
    payload = command_payload("slow")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert handle_interaction(payload) == {"type": 5, "data": {"flags": 64}}
    assert queued == [payload]
    assert InteractionRecord.objects.get().deferred_payload == payload


def test_an_answer_is_recorded_in_one_statement(django_assert_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        handle_interaction(command_payload("echo", [{"name": "text", "type": 3, "value": "hi"}]))
    # The member was recorded by the first; the second is its savepoint (the test's transaction
    # holds the real one), the record's insert with the answer, and the release.
    with django_assert_num_queries(3) as queries:
        handle_interaction(command_payload("echo", [{"name": "text", "type": 3, "value": "again"}]))
    assert "INSERT INTO botworker_interactionrecord" in queries.captured_queries[1]["sql"]


@pytest.fixture
def sent(monkeypatch):
    """What is sent to PostgreSQL: the statements Django runs, and the BEGIN and COMMIT psycopg
    sends for them (Django logs its transactions whether or not psycopg sends anything)."""
    connection.ensure_connection()
    commands: list[str] = []
    raw_type = type(connection.connection)
    exec_command = raw_type._exec_command

    def spy(self, command, *args, **kwargs):
        commands.append(bytes(command).decode())
        return exec_command(self, command, *args, **kwargs)

    monkeypatch.setattr(raw_type, "_exec_command", spy)

    def statements(payload):
        commands.clear()
        with CaptureQueriesContext(connection) as queries:
            response = handle_interaction(payload)
        logged = [q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
        return response, [c for c in commands if c in ("BEGIN", "COMMIT")] + logged

    return statements


def echo_payload(text):
    return command_payload("echo", [{"name": "text", "type": 3, "value": text}])


@pytest.mark.django_db(transaction=True)
def test_a_command_that_touches_no_table_is_recorded_by_one_statement_that_commits_itself(sent):
    handle_interaction(echo_payload("first"))  # records the member (and remembers that it did)
    payload = echo_payload("second")
    response, statements = sent(payload)
    assert response["data"]["content"].startswith("echo second")
    [insert] = statements  # no BEGIN, no COMMIT
    assert insert.startswith("INSERT INTO botworker_interactionrecord")
    assert InteractionRecord.objects.get(interaction_id=int(payload["id"])).response == response
    assert not connection.in_atomic_block and connection.connection.autocommit is True


@pytest.mark.django_db(transaction=True)
def test_a_command_that_writes_is_recorded_in_its_transaction_and_a_repeat_changes_nothing(test_router, sent):
    runs = []

    @test_router.command("append", description="Writes a new row on every run")
    def append(inv):
        runs.append(1)
        return Reply(content=f"wrote {Group.objects.create(name=f'run-{len(runs)}').name}")

    payload = command_payload("append")
    first, statements = sent(payload)
    assert statements[:2] == ["BEGIN", "COMMIT"]  # the handler's write and the record, together
    assert handle_interaction(payload) == first
    assert len(runs) == 2
    assert list(Group.objects.values_list("name", flat=True)) == ["run-1"]
    assert InteractionRecord.objects.get().response == first


@pytest.mark.django_db(transaction=True)
def test_a_repeat_of_a_command_that_touches_no_table_answers_the_first_answer():
    payload = command_payload("echo", [{"name": "text", "type": 3, "value": "once"}])
    first = handle_interaction(payload)
    again = handle_interaction(payload)
    assert again == first and InteractionRecord.objects.count() == 1
    assert not connection.in_atomic_block and connection.connection.autocommit is True


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"type": 99, "id": "1"},
        {"type": 2, "id": "1", "data": {"name": "echo"}},  # no user
        {"type": 2, "id": "abc", "data": {"name": "echo"}, "user": {"id": "1"}},
        {"type": 2, "id": "1", "user": {"id": "1"}},  # no data
        {"type": 3, "id": "1", "data": {}, "user": {"id": "1"}},  # no custom_id
        {
            "type": 2,
            "id": "1",
            "data": {"name": "echo"},
            "guild_id": "1",
            "member": {"user": {"id": "1"}, "roles": ["x"]},
        },
    ],
)
def test_payloads_that_are_not_interactions_are_refused(payload):
    with pytest.raises(InvalidInteraction):
        handle_interaction(payload)


# --- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "permissions", "level"),
    [
        ((), 0, PermissionLevel.MEMBER),
        ((MOD_ROLE,), 0, PermissionLevel.MODERATOR),
        ((ADMIN_ROLE,), 0, PermissionLevel.ADMIN),
        ((MOD_ROLE, ADMIN_ROLE), 0, PermissionLevel.ADMIN),
        ((), 1 << 3, PermissionLevel.ADMIN),  # Administrator
        ((), 1 << 5, PermissionLevel.ADMIN),  # Manage Server
        ((), (1 << 10) | (1 << 11), PermissionLevel.MEMBER),  # view channel + send messages only
        ((999,), 0, PermissionLevel.MEMBER),
    ],
)
def test_permission_matrix(configured, roles, permissions, level):
    payload = command_payload("echo", [{"name": "text", "type": 3, "value": "x"}], roles=roles, permissions=permissions)
    assert handle_interaction(payload)["data"]["content"].endswith(f"level {int(level)}")


@pytest.mark.parametrize(
    ("command", "roles", "permissions", "answer"),
    [
        ("mod_only", (), 0, NEEDS_LEVEL.format(level="moderator")),
        ("mod_only", (MOD_ROLE,), 0, "moderator things"),
        ("mod_only", (ADMIN_ROLE,), 0, "moderator things"),
        ("admin_only", (MOD_ROLE,), 0, NEEDS_LEVEL.format(level="admin")),
        ("admin_only", (ADMIN_ROLE,), 0, "admin things"),
        ("admin_only", (), 1 << 3, "admin things"),
        ("admin_only", (), 1 << 5, "admin things"),
    ],
)
def test_level_gates(configured, command, roles, permissions, answer):
    response = handle_interaction(command_payload(command, roles=roles, permissions=permissions))
    assert response["data"]["content"] == answer


def test_unconfigured_guild_is_told_how_to_configure():
    text = ephemeral_text(handle_interaction(command_payload("mod_only", roles=(MOD_ROLE,))))
    assert text == NEEDS_CONFIG.format(guild_id=GUILD_ID)
    assert "configure_guild" in text


def test_unconfigured_guild_still_knows_discord_admins():
    response = handle_interaction(command_payload("admin_only", permissions=1 << 3))
    assert response["data"]["content"] == "admin things"


def test_personal_commands_work_in_direct_messages():
    response = handle_interaction(command_payload("echo", [{"name": "text", "type": 3, "value": "dm"}], guild_id=None))
    assert response["data"]["content"] == f"echo dm from {USER_ID} level 0"


def test_guild_commands_refuse_direct_messages():
    assert ephemeral_text(handle_interaction(command_payload("admin_only", guild_id=None))) == NEEDS_GUILD


def test_another_guilds_roles_grant_nothing(configured):
    GuildConfigFactory(guild_id=GUILD_ID + 1)
    response = handle_interaction(command_payload("mod_only", guild_id=GUILD_ID + 1, roles=(MOD_ROLE,)))
    assert response["data"]["content"] == NEEDS_LEVEL.format(level="moderator")


# --- registration JSON ------------------------------------------------------------------------


def test_application_command_json(test_router):
    commands = {c["name"]: c for c in test_router.application_commands()}
    assert commands["team"] == {
        "name": "team",
        "type": 1,
        "description": "Manage the team",
        "options": [
            {
                "type": 1,
                "name": "add",
                "description": "Add a member",
                "options": [
                    {"type": 6, "name": "member", "description": "Who", "required": True},
                    {
                        "type": 10,
                        "name": "hours",
                        "description": "How long",
                        "required": False,
                        "min_value": 0.5,
                        "max_value": 8,
                    },
                ],
            }
        ],
        "contexts": [0, 1, 2],
        "integration_types": [0],
    }
    assert commands["echo"]["options"][0]["autocomplete"] is True
    assert commands["mod_only"]["contexts"] == [0]
    assert commands["echo"]["contexts"] == [0, 1, 2]


# ---------------------------------------------------------------------------- a failed handler's writes


def _writes_then(test_router, name: str, failure):
    @test_router.command(name, description="Writes a row, then fails")
    def writes_then_fails(inv):
        Group.objects.create(name=f"{name}-{inv.interaction_id}")
        failure()
        return Reply(content="not reached")


def test_a_refusal_after_a_write_writes_nothing_and_is_the_recorded_answer(test_router):
    from config.exceptions import ApplicationError

    def refuse():
        raise ApplicationError(REFUSAL)

    _writes_then(test_router, "halfway", refuse)
    payload = command_payload("halfway")
    response = handle_interaction(payload)
    assert ephemeral_text(response) == REFUSAL
    assert not Group.objects.exists()
    assert InteractionRecord.objects.get(interaction_id=int(payload["id"])).response == response
    assert handle_interaction(payload) == response  # a repeat answers the same and writes nothing
    assert not Group.objects.exists()


def test_a_crash_after_a_write_writes_nothing(test_router, caplog):
    def explode():
        raise RuntimeError("after the write")

    _writes_then(test_router, "crashes", explode)
    with caplog.at_level(logging.CRITICAL, logger="guildhall.interactions"):
        text = ephemeral_text(handle_interaction(command_payload("crashes")))
    assert text.startswith(CRASHED.split("{")[0])
    assert not Group.objects.exists()
    assert InteractionRecord.objects.count() == 1


def test_a_database_error_in_a_handler_is_an_answer_not_a_500(test_router, caplog):
    def bad_sql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    _writes_then(test_router, "badsql", bad_sql)
    payload = command_payload("badsql")
    with caplog.at_level(logging.CRITICAL, logger="guildhall.interactions"):
        text = ephemeral_text(handle_interaction(payload))
    assert text.startswith(CRASHED.split("{")[0])
    assert not Group.objects.exists()
    assert InteractionRecord.objects.filter(interaction_id=int(payload["id"])).exists()


def test_a_deferred_handler_that_refuses_after_a_write_writes_nothing(test_router, django_capture_on_commit_callbacks):
    from botworker.interactions import run_deferred
    from config.exceptions import ApplicationError

    @test_router.command("slowrefuse", description="Deferred, writes then refuses", deferred=True)
    def slow_refuse(inv):
        Group.objects.create(name="half")
        raise ApplicationError(REFUSAL)

    payload = command_payload("slowrefuse")
    with django_capture_on_commit_callbacks(execute=False):
        assert handle_interaction(payload) == {"type": 5, "data": {"flags": 64}}
    assert run_deferred(payload)["content"] == REFUSAL
    assert not Group.objects.exists()
    assert InteractionRecord.objects.get().followup["content"] == REFUSAL
