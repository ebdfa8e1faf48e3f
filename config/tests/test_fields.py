"""config.fields.ZoneField: canonical IANA zones only, any case in, canonical spelling out."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.test.utils import isolate_apps

from config.fields import ZoneField, validate_zone
from config.timeutils import UNKNOWN_ZONE_SUGGEST, canonical_zones


@pytest.fixture
def field() -> ZoneField:
    field = ZoneField(default="UTC")
    field.set_attributes_from_name("timezone")
    return field


@pytest.mark.parametrize(
    ("value", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("America/New York", "America/New_York"),
        (ZoneInfo("Asia/Kathmandu"), "Asia/Kathmandu"),
    ],
)
def test_values_are_canonicalised(field, value, zone):
    assert field.to_python(value) == ZoneInfo(zone)
    assert field.get_prep_value(value) == zone
    assert field.clean(value, None) == ZoneInfo(zone)


@pytest.mark.parametrize("value", [None, ""])
def test_blank_is_none_in_python_and_empty_in_the_database(field, value):
    assert field.to_python(value) is None
    assert field.get_prep_value(value) == ""
    assert field.from_db_value(value, None, None) is None


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [("US/Eastern", "America/New_York"), ("localtime", "UTC"), ("Europe/Berln", "Europe/Berlin")],
)
def test_names_that_are_not_canonical_are_refused_with_a_suggestion(field, value, suggestion):
    message = UNKNOWN_ZONE_SUGGEST.format(zone=value, suggestion=suggestion)
    for convert in (field.to_python, field.get_prep_value):
        with pytest.raises(ValidationError) as refused:
            convert(value)
        assert refused.value.messages == [message]
        assert refused.value.code == "invalid_timezone"


def test_a_legacy_zone_object_is_refused_when_cleaned(field):
    with pytest.raises(ValidationError):
        field.clean(ZoneInfo("US/Eastern"), None)


@pytest.mark.parametrize(
    ("stored", "zone"),
    [
        ("Europe/Berlin", ZoneInfo("Europe/Berlin")),
        ("europe/berlin", ZoneInfo("Europe/Berlin")),  # written before names were canonicalised
        ("US/Eastern", ZoneInfo("US/Eastern")),  # a legacy row still loads
        ("Not/AZone", None),
    ],
)
def test_stored_names_load(field, stored, zone):
    assert field.from_db_value(stored, None, None) == zone


def test_the_default_is_a_zone(field):
    assert field.get_default() == ZoneInfo("UTC")


def test_deconstruct_leaves_the_choices_out():
    field = ZoneField(default="UTC")
    field.set_attributes_from_name("timezone")
    name, path, args, kwargs = field.deconstruct()
    assert (name, path, args, kwargs) == ("timezone", "config.fields.ZoneField", [], {"default": "UTC"})
    blank = ZoneField(blank=True)
    blank.set_attributes_from_name("timezone")
    assert blank.deconstruct()[3] == {"blank": True}


def test_the_form_field_is_a_select_of_canonical_zones(field):
    form_field = field.formfield()
    assert isinstance(form_field, forms.TypedChoiceField)
    assert isinstance(form_field.widget, forms.Select)
    values = [str(value) for value, _label in form_field.choices if value != ""]
    assert values == list(canonical_zones())
    assert "US/Eastern" not in values and "localtime" not in values
    labels = dict((str(value), label) for value, label in form_field.choices)
    assert labels["America/New_York"] == "America/New York"
    assert form_field.clean("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    with pytest.raises(ValidationError):
        form_field.clean("US/Eastern")


def test_a_blank_field_offers_an_empty_choice():
    field = ZoneField(blank=True)
    field.set_attributes_from_name("timezone")
    form_field = field.formfield()
    assert list(form_field.choices)[0][0] == ""
    assert form_field.clean("") in (None, "")


def test_validate_zone():
    for ok in (None, "", "UTC", "europe/berlin", ZoneInfo("Asia/Kolkata")):
        validate_zone(ok)
    with pytest.raises(ValidationError) as refused:
        validate_zone("posixrules")
    assert refused.value.messages == [UNKNOWN_ZONE_SUGGEST.format(zone="posixrules", suggestion="America/New_York")]


@isolate_apps("config")
def test_a_model_attribute_holds_the_canonical_zone():
    class Member(models.Model):  # noqa: DJ008 - a model for this test only
        timezone = ZoneField(default="UTC")

        class Meta:
            app_label = "guildhall"

    assert Member().timezone == ZoneInfo("UTC")
    member = Member(timezone="europe/berlin")
    assert member.timezone == ZoneInfo("Europe/Berlin")
    assert member.timezone.key == "Europe/Berlin"
    member.full_clean(exclude=["id"])
    with pytest.raises(ValidationError):
        Member(timezone="US/Eastern")
