"""Discord ids (snowflakes): the one rule for what an id is, used by the API's fields and filters,
URLs, the interaction parser, the outbox and the admin.

An id is a whole number 0 < id < 2^63 (PostgreSQL's bigint holds it), written in JSON as a string
of ASCII digits or as an integer. Nothing else is one: not a float (``1e400``, ``12.5``), a
boolean, digits of other scripts (``"²"``, full-width ``"１２"``) or a signed number.
"""

from __future__ import annotations

import re

SNOWFLAKE_MAX = (1 << 63) - 1
# How ids are documented (the schema) and matched in URLs: no leading zero, at most 19 digits.
SNOWFLAKE_PATTERN = r"^[1-9][0-9]{0,18}$"
_ASCII_DIGITS = re.compile(r"[0-9]{1,20}")


def whole_number(value: object) -> int | None:
    """`value` as a non-negative whole number when it is an int (not a bool) or a string of ASCII
    digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _ASCII_DIGITS.fullmatch(value):
        return int(value)
    return None


def is_snowflake_range(number: int) -> bool:
    return 0 < number <= SNOWFLAKE_MAX


def as_snowflake(value: object) -> int | None:
    """`value` as a Discord id, or None when it is not one."""
    number = whole_number(value)
    return number if number is not None and is_snowflake_range(number) else None


# An erased member's place in rows other members depend on (support.models.Tombstone): an id in
# [2^21, 2^22). Discord's ids carry their creation time (milliseconds since 2015) above bit 22, so
# no Discord account, channel or role has one this small, and test ids like 42 stay clear of it.
TOMBSTONE_BASE = 1 << 21
TOMBSTONE_LIMIT = 1 << 22


def tombstone_id(number: int) -> int:
    """The id that stands for erased member number `number` (1, 2, ...)."""
    if not 0 < number < TOMBSTONE_LIMIT - TOMBSTONE_BASE:
        raise ValueError(f"tombstone number {number} is out of range")
    return TOMBSTONE_BASE + number


def is_tombstone(number: int | None) -> bool:
    """Whether `number` stands for an erased member rather than a Discord user."""
    return number is not None and TOMBSTONE_BASE < number < TOMBSTONE_LIMIT
