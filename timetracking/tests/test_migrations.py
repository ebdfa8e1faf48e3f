"""The data migration that canonicalises stored zone names before the column became a zone field."""

import importlib

import pytest

canonical_timezones = importlib.import_module("timetracking.migrations.0002_canonical_timezones")


@pytest.mark.parametrize(
    ("stored", "canonical"),
    [
        ("Australia/Sydney", "Australia/Sydney"),
        ("europe/berlin", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("US/Eastern", "America/New_York"),  # a legacy alias: the zone it names
        ("GMT", "Etc/GMT"),
        ("localtime", "UTC"),  # files that are not zones
        ("posixrules", "UTC"),
        ("Factory", "UTC"),
        ("Mars/Olympus", "UTC"),  # no longer (or never) in the database
        ("", "UTC"),
    ],
)
def test_stored_names_become_canonical(stored, canonical):
    assert canonical_timezones.canonical_or_utc(stored) == canonical
