"""The layering rules of docs/architecture.md, checked on the source: a domain app never builds
Discord markup, never imports discord.py or botworker, and keeps zone parsing in the time layer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_APPS = ("shifts", "scheduling", "attendance", "timetracking", "support")
MARKUP = re.compile(r"<t:|<@|<#")
FORBIDDEN_IMPORT = re.compile(r"^\s*(from|import)\s+(discord|botworker)\b", re.MULTILINE)
# A zone named by a constant ("UTC", DEFAULT_TIMEZONE) is fine; parsing what people type is not.
ZONE_PARSING = re.compile(r"zoneinfo\.ZoneInfo\((?!\"|[A-Z_]+\))|available_timezones\(")


def domain_sources():
    for app in DOMAIN_APPS:
        folder = ROOT / app
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or "migrations" in relative.parts:
                continue
            yield relative


SOURCES = list(domain_sources())


def test_the_domain_apps_are_scanned():
    assert len(SOURCES) > 20


@pytest.mark.parametrize("relative", SOURCES, ids=str)
def test_no_discord_markup_in_domain_code(relative):
    text = (ROOT / relative).read_text()
    lines = [f"{number}: {line.strip()}" for number, line in enumerate(text.splitlines(), 1) if MARKUP.search(line)]
    assert lines == [], "Discord markup belongs in botworker's presenters"


@pytest.mark.parametrize("relative", SOURCES, ids=str)
def test_domain_code_does_not_import_the_discord_layer(relative):
    assert FORBIDDEN_IMPORT.findall((ROOT / relative).read_text()) == []


@pytest.mark.parametrize("relative", SOURCES, ids=str)
def test_zones_are_resolved_by_the_time_layer(relative):
    text = (ROOT / relative).read_text()
    lines = [line.strip() for line in text.splitlines() if ZONE_PARSING.search(line)]
    assert lines == [], "use config.timeutils (zone_or_error, canonical_zone_name) or a ZoneField"
