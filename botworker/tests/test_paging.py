"""Lists longer than a message are paged: whole lines per page, every line on some page in order,
Previous/Next buttons that recompute the list for whoever clicks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botworker.interactions import InteractionType, Invocation, PagedText, Reply, limits, paged_list, router
from botworker.interactions.paging import split_pages

BUILT_FOR: list[tuple[int, str]] = []


def _numbers(inv: Invocation, arg: str) -> PagedText:
    BUILT_FOR.append((inv.user_id, arg))
    count = int(arg or "0")
    return PagedText(header="**Numbers**", lines=[f"• number **{n}**" for n in range(count)], footer="Total: **done**")


NUMBERS = paged_list("test_numbers", _numbers)


def click(custom_id: str, user_id: int = 7) -> Reply:
    action, _, target = custom_id.partition(":")
    inv = Invocation(
        interaction_id=1,
        application_id="1",
        token="t",
        type=InteractionType.MESSAGE_COMPONENT,
        user_id=user_id,
        custom_id=custom_id,
        action=action,
        target=target,
    )
    return router.dispatch(inv)


def command_invocation(user_id: int = 7) -> Invocation:
    return Invocation(
        interaction_id=1, application_id="1", token="t", type=InteractionType.APPLICATION_COMMAND, user_id=user_id
    )


def custom_ids(reply: Reply) -> list[str]:
    return [component["custom_id"] for row in reply.components for component in row]


def test_a_short_list_is_one_page_without_buttons():
    reply = NUMBERS.reply(command_invocation(), arg="3")
    assert reply.content == "**Numbers**\n• number **0**\n• number **1**\n• number **2**\nTotal: **done**"
    assert reply.components == [] and reply.ephemeral


def test_an_empty_list_says_so():
    assert "Nothing to show." in NUMBERS.reply(command_invocation(), arg="0").content


def test_a_long_list_pages_with_buttons_that_carry_the_page():
    first = NUMBERS.reply(command_invocation(), arg="40")
    assert first.content.startswith("**Numbers**\n• number **0**")
    assert "Total: **done**" in first.content and "Page 1 of 3" in first.content
    assert custom_ids(first) == ["page:test_numbers.40.-1", "page:test_numbers.40.1"]
    previous, following = first.components[0]
    assert previous["disabled"] and not following["disabled"]

    BUILT_FOR.clear()
    second = click("page:test_numbers.40.1", user_id=99)
    assert BUILT_FOR == [(99, "40")]  # recomputed, for the member who clicked
    assert second.update and "• number **15**" in second.content and "• number **14**" not in second.content
    assert "Page 2 of 3" in second.content and "Total: **done**" in second.content

    last = click("page:test_numbers.40.2")
    assert "• number **39**" in last.content and last.components[0][1]["disabled"]


def test_a_page_past_the_end_shows_the_last_page():
    reply = click("page:test_numbers.20.9")
    assert "Page 2 of 2" in reply.content and "• number **19**" in reply.content


@pytest.mark.parametrize(
    "custom_id", ["page:nope.1.0", "page:test_numbers.1", "page:TEST.1.0", "page:test_numbers.1.x"]
)
def test_unknown_or_malformed_page_buttons_get_a_clean_answer(custom_id):
    reply = click(custom_id)
    assert reply.ephemeral and not reply.update
    assert reply.content in (
        "That list is no longer available; run the command again.",
        "That button is not valid.",
    ) or ("button" in reply.content.lower())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab *`<>:x", min_size=0, max_size=300), max_size=80))
def test_pages_hold_every_line_in_order_and_fit_a_message(lines):
    text = PagedText(header="**Header**", lines=lines, footer="footer")
    pages = split_pages(text)
    assert all(len("\n".join([text.header, page, text.footer, "-# Page 10 of 10"])) <= limits.CONTENT for page in pages)
    joined = [line for page in pages for line in page.split("\n")] if lines else []
    assert len(joined) >= len(lines) or all("\n" in line for line in lines)
    if all(len(line) < 1500 and "\n" not in line for line in lines):
        assert joined == lines


@pytest.mark.parametrize(
    ("text", "limit", "clipped"),
    [
        ("hello **bold text here**", 15, "hello…"),
        ("at <t:1234567890:F> ok", 12, "at…"),
        ("a `code` and `more code here`", 20, "a `code` and…"),
        ("x" * 30, 10, "x" * 9 + "…"),
        ("**a** then **b c d e f**", 18, "**a** then…"),
        ("||spoiler that is long||", 10, "…"),
        ("short", 10, "short"),
    ],
)
def test_clip_never_cuts_inside_markup(text, limit, clipped):
    assert limits.clip(text, limit) == clipped
