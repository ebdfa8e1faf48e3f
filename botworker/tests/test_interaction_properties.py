"""Property: whatever JSON arrives as an interaction, the router answers it (a callback body) or
refuses it as not an interaction; it never raises anything else, and the signed endpoint never
answers 500."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from botworker.interactions import InvalidInteraction, handle_interaction, handling
from botworker.tests.factories import Signer, command_payload, component_payload, modal_payload
from botworker.tests.routers import build_test_router

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))

# Values that broke parsing before (a float id, NaN, NUL, a lone surrogate, a wrong shape), and
# anything else.
NASTY = [
    None,
    True,
    0,
    -1,
    7,
    1 << 63,
    1 << 70,
    12.5,
    1e300,
    float("inf"),
    float("-inf"),
    float("nan"),
    "",
    "1",
    str(1 << 63),
    "1e400",
    "\x00",
    "a\x00b",
    "\ud800",
    "echo",
    "claim_shift:1",
    [],
    {},
    [1],
    ["x"],
    {"a": 1},
]
scalars = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(NASTY),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(1 << 70), max_value=1 << 70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
    # A fresh copy each draw: NASTY's lists and dicts are shared objects, and a payload is mutated
    # in place below (a shared one could end up inside itself, or carry over to the next example).
).map(copy.deepcopy)


def _templates() -> list[dict]:
    return [
        command_payload("echo", [{"name": "text", "type": 3, "value": "hi"}]),
        command_payload("team", [{"type": 1, "name": "add", "options": [{"name": "member", "type": 6, "value": "5"}]}]),
        command_payload("write"),
        command_payload("echo", [{"name": "text", "type": 3, "value": "h", "focused": True}], kind=4),
        component_payload("claim_shift:1"),
        component_payload("claim_shift:1", values=["a", "b"]),
        modal_payload("rename:7", {"name": "new"}),
    ]


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


@st.composite
def payloads(draw) -> object:
    """A real payload with a few of its parts (or added keys) replaced by arbitrary JSON."""
    payload = draw(st.sampled_from(_templates()))
    payload = json.loads(json.dumps(payload))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(payload) if p]
        path = draw(st.sampled_from(paths)) if paths else ()
        if not path:
            return draw(json_values)
        target = payload
        for key in path[:-1]:
            target = target[key]
        if draw(st.booleans()):
            target[path[-1]] = draw(json_values)
        elif isinstance(target, dict):
            target[draw(st.sampled_from(["roles", "values", "options", "components", "channel", "id", "name"]))] = draw(
                json_values
            )
    return payload


@pytest.fixture
def test_router(monkeypatch):
    monkeypatch.setattr(handling, "router", build_test_router())


@PROPERTY_SETTINGS
@given(payload=payloads())
def test_any_payload_is_answered_or_refused_as_not_an_interaction(test_router, payload):
    try:
        response = handle_interaction(payload)
    except InvalidInteraction:
        return
    assert isinstance(response, dict) and response["type"] in (1, 4, 5, 6, 7, 8, 9)
    json.dumps(response, allow_nan=False)


@PROPERTY_SETTINGS
@given(body=st.one_of(payloads().map(lambda p: json.dumps(p).encode()), st.binary(max_size=200)))
def test_the_signed_endpoint_never_answers_500(test_router, client, settings, body):
    signer = Signer()
    settings.DISCORD_PUBLIC_KEY = signer.public_key_hex
    response = signer.post(client, None, raw=body)
    assert response.status_code in (200, 400), response.content[:300]
