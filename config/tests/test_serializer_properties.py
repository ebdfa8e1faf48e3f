"""Property: every API serializer validates any JSON value in any of its fields without raising
anything but its own validation result (never an exception that would be a 500)."""

from __future__ import annotations

import importlib
import inspect

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

# A model serializer's related fields look their rows up while validating.
pytestmark = pytest.mark.django_db

APPS = ["attendance", "scheduling", "shifts", "timetracking"]

SERIALIZERS = sorted(
    {
        cls
        for app in APPS
        for _, cls in inspect.getmembers(importlib.import_module(f"{app}.serializers"), inspect.isclass)
        if issubclass(cls, serializers.Serializer) and cls.__module__ == f"{app}.serializers"
    },
    key=lambda cls: cls.__qualname__,
)

NASTY = [
    None,
    True,
    -1,
    0,
    1 << 63,
    1 << 70,
    1e20,
    1e300,
    float("inf"),
    float("nan"),
    -436,
    "0001-01-01",
    "9999-12-31",
    "9999-12-31 23:00",
    "0001-01-01 00:00",
    "1e400",
    "\x00",
    "\ud800",
    "x" * 3000,
    [],
    {},
]
values = st.recursive(
    st.one_of(st.sampled_from(NASTY), st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40)),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_any_value_in_any_field_is_validated_without_raising(serializer_class):
    names = list(serializer_class().fields)

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.dictionaries(st.sampled_from(names), values, max_size=len(names)) if names else st.just({}))
    def validate(data):
        serializer = serializer_class(data=data)
        if serializer.is_valid():
            assert isinstance(serializer.validated_data, dict)
        else:
            assert serializer.errors

    validate()
