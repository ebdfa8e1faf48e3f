"""URL path converters every app shares."""

from __future__ import annotations

from django.urls import register_converter

from config.snowflakes import as_snowflake


class SnowflakeConverter:
    """A Discord id in a URL (`<snowflake:guild_id>`): 1 to 19 digits, at most 2^63 - 1; the
    schema documents it as a string, as ids are in JSON."""

    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = as_snowflake(value)
        if number is None:
            raise ValueError("not a Discord id")  # Django answers 404 for a value a converter refuses
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


register_converter(SnowflakeConverter, "snowflake")
