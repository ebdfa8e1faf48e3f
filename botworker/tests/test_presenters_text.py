"""botworker/presenters/text.py: typed message parameters as Discord shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from botworker.presenters.text import (
    channel_mention,
    error_text,
    role_mention,
    timestamp,
    user_mention,
    when,
)
from config.exceptions import ApplicationError, ChannelRef, RoleRef, UserRef

START = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
UNIX = 1772955000  # START as a Unix timestamp


def test_start_is_the_unix_time_the_table_uses():
    assert int(START.timestamp()) == UNIX


@pytest.mark.parametrize(
    ("template", "params", "text"),
    [
        ("Starts {start}.", {"start": START}, f"Starts <t:{UNIX}:F>."),
        ("Starts {start:R}.", {"start": START}, f"Starts <t:{UNIX}:R>."),
        ("Starts {start:FR}.", {"start": START}, f"Starts <t:{UNIX}:F> (<t:{UNIX}:R>)."),
        ("At {start:t} on {start:D}.", {"start": START}, f"At <t:{UNIX}:t> on <t:{UNIX}:D>."),
        ("Starts {start:X}.", {"start": START}, f"Starts <t:{UNIX}:F>."),  # unknown style: full
        # The same instant in another zone is the same timestamp.
        ("Starts {start}.", {"start": datetime(2026, 3, 8, 3, 30, tzinfo=ZoneInfo("America/New_York"))},
         f"Starts <t:{UNIX}:F>."),
        ("Claimed by {who}.", {"who": UserRef(1180000000000000001)}, "Claimed by <@1180000000000000001>."),
        ("Post in {channel}.", {"channel": ChannelRef(7)}, "Post in <#7>."),
        ("Needs {role}.", {"role": RoleRef(9)}, "Needs <@&9>."),
        ("{hours:g} of {cap:g} hours.", {"hours": 2.5, "cap": 3.0}, "2.5 of 3 hours."),
        ("{zone!r} is not a zone.", {"zone": "Mars/Olympus"}, "'Mars/Olympus' is not a zone."),
        ("No parameters, {braces} kept.", {}, "No parameters, {braces} kept."),
    ],
)  # fmt: skip
def test_error_text(template, params, text):
    error = ApplicationError(template, params=params)
    assert error_text(error) == text


def test_error_text_and_message_are_the_same_template():
    error = ApplicationError(
        "{who} already claimed the shift in {channel} at {start:FR}.",
        params={"who": UserRef(42), "channel": ChannelRef(7), "start": START},
    )
    assert error_text(error) == f"<@42> already claimed the shift in <#7> at <t:{UNIX}:F> (<t:{UNIX}:R>)."
    assert error.message == "user 42 already claimed the shift in channel 7 at 2026-03-08T07:30:00Z."


def test_helpers():
    assert timestamp(START) == f"<t:{UNIX}:F>"
    assert timestamp(START, "R") == f"<t:{UNIX}:R>"
    assert when(START) == f"<t:{UNIX}:F> (<t:{UNIX}:R>)"
    assert user_mention(42) == "<@42>"
    assert user_mention("42") == "<@42>"
    assert channel_mention(7) == "<#7>"
    assert role_mention(9) == "<@&9>"
