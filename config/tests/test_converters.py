"""Discord ids in URLs: digits up to 2^63 - 1, documented as strings in the schema."""

import json

import pytest
from django.core.management import call_command
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404

pytestmark = pytest.mark.django_db


def test_a_guild_id_in_a_url_round_trips_as_an_integer():
    url = reverse("scheduling:players", kwargs={"guild_id": 9223372036854775807})
    assert url.endswith("/guilds/9223372036854775807/players/")
    assert resolve(url).kwargs["guild_id"] == 9223372036854775807


@pytest.mark.parametrize("raw", ["9223372036854775808", "0", "12a", "99999999999999999999"])
def test_a_url_with_what_is_not_a_discord_id_does_not_resolve(raw):
    with pytest.raises(Resolver404):
        resolve(f"/api/scheduling/guilds/{raw}/players/")


def test_guild_ids_in_paths_are_strings_in_the_schema(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    params = [
        parameter
        for operations in schema["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] == "guild_id"
    ]
    assert len(params) > 10
    assert {parameter["schema"]["type"] for parameter in params} == {"string"}
