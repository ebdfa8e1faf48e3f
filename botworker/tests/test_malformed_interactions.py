"""Forged and malformed interactions: every one is refused with a clear answer, never a 500, and
nothing is written (no interaction record, no handler effect)."""

from __future__ import annotations

import copy
import json

import pytest
from django.contrib.auth.models import Group

from botworker.interactions import InvalidInteraction, handling
from botworker.interactions.endpoint import MAX_JSON_DEPTH, read_json
from botworker.models import InteractionRecord
from botworker.tests.factories import Signer, command_payload, component_payload, modal_payload
from botworker.tests.routers import build_test_router

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def test_router(monkeypatch):
    monkeypatch.setattr(handling, "router", build_test_router())


@pytest.fixture
def signer(settings):
    s = Signer()
    settings.DISCORD_PUBLIC_KEY = s.public_key_hex
    return s


def assert_nothing_written():
    assert not InteractionRecord.objects.exists()
    assert not Group.objects.exists()


def test_a_timestamp_of_400_digits_is_401_before_the_signature_check(client, signer):
    body = json.dumps(command_payload("write")).encode()
    headers = {"HTTP_X_SIGNATURE_ED25519": "00" * 64, "HTTP_X_SIGNATURE_TIMESTAMP": "9" * 400}
    response = client.post("/discord/interactions/", data=body, content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid request signature"}
    assert_nothing_written()


def _with(payload: dict, path: tuple, value) -> dict:
    payload = copy.deepcopy(payload)
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return payload


def _write():
    return command_payload("write")


def _nested(depth: int) -> bytes:
    return b'{"type": 2, "id": "1", "data": ' + b"[" * depth + b"]" * depth + b"}"


# Bodies Discord never sends: the endpoint answers 400 and writes nothing.
MALFORMED_BODIES = {
    "json nested 1,000 deep": _nested(1000),
    "json nested 100,000 deep": _nested(100_000),
    "id as 1e400": json.dumps(_write()).replace('"id": "9', '"id": 1e400, "x": "9', 1).encode(),
    "permissions as 1e400": json.dumps(_with(_write(), ("member", "permissions"), "P"))
    .replace('"P"', "1e400")
    .encode(),
    "guild_id as 1e400": json.dumps(_with(_write(), ("guild_id",), "G")).replace('"G"', "1e400").encode(),
    "user id as 1e400": json.dumps(_with(_write(), ("member", "user", "id"), "U")).replace('"U"', "1e400").encode(),
    "role id as 1e400": json.dumps(_with(_write(), ("member", "roles"), ["R"])).replace('"R"', "1e400").encode(),
    "id as a float": json.dumps(_with(_write(), ("id",), 12.5)).encode(),
    "id as NaN": json.dumps(_with(_write(), ("id",), "N")).replace('"N"', "NaN").encode(),
    "permissions negative": json.dumps(_with(_write(), ("member", "permissions"), "-1")).encode(),
    "permissions as a list": json.dumps(_with(_write(), ("member", "permissions"), [1])).encode(),
    "member.roles as an integer": json.dumps(_with(_write(), ("member", "roles"), 5)).encode(),
    "member.roles as a string": json.dumps(_with(_write(), ("member", "roles"), "123")).encode(),
    "member as a list": json.dumps(_with(_write(), ("member",), [1])).encode(),
    "member.user as a string": json.dumps(_with(_write(), ("member", "user"), "x")).encode(),
    "channel as a string": json.dumps({**_write(), "channel_id": None, "channel": "general"}).encode(),
    "channel as a list": json.dumps({**_write(), "channel": [1]}).encode(),
    "data.options as an integer": json.dumps(_with(_write(), ("data", "options"), 7)).encode(),
    "data.options as an object": json.dumps(_with(_write(), ("data", "options"), {"a": 1})).encode(),
    "data.options containing a string": json.dumps(_with(_write(), ("data", "options"), ["x"])).encode(),
    "subcommand options as an integer": json.dumps(
        _with(_write(), ("data", "options"), [{"type": 1, "name": "add", "options": 3}])
    ).encode(),
    "data.name as a list": json.dumps(_with(_write(), ("data", "name"), ["write"])).encode(),
    "data.values as an integer": json.dumps(component_payload("claim_shift:1", values=7)).encode(),
    "data.values as an object": json.dumps(component_payload("claim_shift:1", values={"a": "b"})).encode(),
    "data.values containing an object": json.dumps(component_payload("claim_shift:1", values=[{"a": 1}])).encode(),
    "modal row components as an integer": json.dumps(
        _with(modal_payload("rename:7", {"name": "x"}), ("data", "components"), [{"type": 1, "components": 5}])
    ).encode(),
    "modal components as an object": json.dumps(
        _with(modal_payload("rename:7", {"name": "x"}), ("data", "components"), {"type": 1})
    ).encode(),
    "modal field value as an object": json.dumps(
        _with(
            modal_payload("rename:7", {"name": "x"}),
            ("data", "components"),
            [{"type": 1, "components": [{"type": 4, "custom_id": "name", "value": {"a": 1}}]}],
        )
    ).encode(),
    "message as a string": json.dumps({**component_payload("claim_shift:1"), "message": "hello"}).encode(),
    "message id as 1e400": json.dumps(_with(component_payload("claim_shift:1"), ("message", "id"), "M"))
    .replace('"M"', "1e400")
    .encode(),
    "resolved as a list": json.dumps(_with(_write(), ("data", "resolved"), [1])).encode(),
    "token as an object": json.dumps({**_write(), "token": {"a": 1}}).encode(),
    "a NUL in the command name": json.dumps(_with(_write(), ("data", "name"), "wri\x00te")).encode(),
    "a NUL in a custom_id": json.dumps(component_payload("claim_shift:1\x00")).encode(),
    "not UTF-8": b'{"type": 2, "id": "\xff"}',
    "a lone surrogate": json.dumps(_with(_write(), ("data", "name"), "\ud800")).encode(),
}


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_malformed_signed_bodies_are_400_and_write_nothing(client, signer, body):
    response = signer.post(client, None, raw=body)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"].startswith("not a valid interaction")
    assert_nothing_written()


def _echo(value, option_type=3):
    return command_payload("echo", [{"name": "text", "type": option_type, "value": value}])


def _hours(raw: str) -> bytes:
    payload = command_payload(
        "team add",
        [
            {
                "type": 1,
                "name": "add",
                "options": [{"name": "member", "type": 6, "value": "1"}, {"name": "hours", "type": 10, "value": "H"}],
            }
        ],
    )
    payload["data"]["name"] = "team"
    return json.dumps(payload).replace('"H"', raw).encode()


def ephemeral_text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["type"] == 4
    assert body["data"]["flags"] == 64
    return body["data"]["content"]


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
def test_nan_or_infinity_in_a_number_option_is_not_json_and_is_400(client, signer, raw):
    response = signer.post(client, None, raw=_hours(raw))
    assert response.status_code == 400
    assert response.json()["error"] == f"not a valid interaction: {raw} is not JSON"
    assert_nothing_written()


@pytest.mark.parametrize("raw", ["1e400", "-1e400", "1e300", '"nan"', '"inf"', '"2"', "true", "[1]"])
def test_a_number_option_that_is_not_a_finite_number_gets_an_ephemeral_refusal(client, signer, raw):
    response = signer.post(client, None, raw=_hours(raw))
    if raw == "[1]":  # not a value an option can have at all
        assert response.status_code == 400
        return
    assert ephemeral_text(response) == "`hours`: not a valid value."
    assert InteractionRecord.objects.count() == 1  # the refusal is the interaction's answer


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_number_option_from_the_gateway_gets_an_ephemeral_refusal(value):
    payload = json.loads(_hours("0"))
    payload["data"]["options"][0]["options"][1]["value"] = value
    response = handling.handle_interaction(payload)
    assert response["data"]["flags"] == 64
    assert response["data"]["content"] == "`hours`: not a valid value."
    assert not Group.objects.exists()


@pytest.mark.parametrize("value", ["a\x00b", "\x00"])
def test_a_nul_in_a_text_option_gets_an_ephemeral_refusal(client, signer, value):
    text = ephemeral_text(signer.post(client, _echo(value)))
    assert text == "`text`: contains a character that is not allowed."
    record = InteractionRecord.objects.get()
    assert "\x00" not in json.dumps(record.response)


def test_a_nul_in_a_modal_field_gets_an_ephemeral_refusal(client, signer):
    text = ephemeral_text(signer.post(client, modal_payload("rename:7", {"name": "new\x00name"})))
    assert text == "`name`: contains a character that is not allowed."


def test_a_nul_in_a_select_value_gets_an_ephemeral_refusal(client, signer):
    text = ephemeral_text(signer.post(client, component_payload("claim_shift:1", values=["a\x00"])))
    assert text == "A selected value contains a character that is not allowed."


@pytest.mark.parametrize(("levels", "accepted"), [(31, True), (32, False)])
def test_nesting_is_refused_from_one_level_past_the_limit(levels, accepted):
    body = _nested(levels)  # the object, then `levels` arrays: levels + 1 deep
    assert levels + 1 - MAX_JSON_DEPTH == (0 if accepted else 1)
    if accepted:
        assert read_json(body)["type"] == 2
    else:
        with pytest.raises(InvalidInteraction, match="nested too deeply"):
            read_json(body)
