"""The renderer keeps every reply within Discord's limits without failing."""

import logging

from botworker.interactions import Choice, InteractionType, Modal, Reply, TextInput, button, limits, string_select
from botworker.interactions.render import render_interaction_response, render_message, render_modal

CMD = InteractionType.APPLICATION_COMMAND
CLICK = InteractionType.MESSAGE_COMPONENT


def test_content_is_truncated_to_2000_with_an_ellipsis():
    data = render_message(Reply(content="x" * 2500))
    assert len(data["content"]) == 2000
    assert data["content"].endswith("…")


def test_no_mentions_unless_asked():
    assert render_message(Reply(content="<@1> <@&2> @everyone"))["allowed_mentions"] == {"parse": []}
    asked = {"roles": ["2"]}
    assert render_message(Reply(content="<@&2>", allowed_mentions=asked))["allowed_mentions"] == asked


def test_buttons_flow_into_rows_of_five_and_at_most_five_rows():
    buttons = [button(f"b{i}", f"claim_shift:{i + 1}") for i in range(27)]
    rows = render_message(Reply(components=[buttons]))["components"]
    assert [len(r["components"]) for r in rows] == [5, 5, 5, 5, 5]
    assert rows[0]["type"] == 1


def test_component_with_overlong_custom_id_is_dropped_not_fatal(caplog):
    with caplog.at_level(logging.ERROR):
        rows = render_message(Reply(components=[[button("ok", "a:1"), button("bad", "a:" + "1" * 120)]]))["components"]
    assert [c["custom_id"] for c in rows[0]["components"]] == ["a:1"]
    assert "custom_id of 122 characters" in caplog.text


def test_select_menu_takes_a_row_and_keeps_25_options():
    options = [{"label": f"o{i}", "value": str(i)} for i in range(40)]
    rows = render_message(Reply(components=[[string_select("pick:1", options, max_values=40)]]))["components"]
    select = rows[0]["components"][0]
    assert len(select["options"]) == 25
    assert select["max_values"] == 25


def test_button_label_is_clipped():
    rows = render_message(Reply(components=[[button("L" * 100, "a:1")]]))["components"]
    assert len(rows[0]["components"][0]["label"]) == limits.BUTTON_LABEL


def test_embed_limits():
    embed = {
        "title": "t" * 300,
        "description": "d" * 5000,
        "fields": [{"name": "n" * 300, "value": "v" * 2000} for _ in range(30)],
        "footer": {"text": "f" * 3000},
    }
    [clean] = render_message(Reply(embeds=[embed]))["embeds"]
    assert len(clean["title"]) == 256
    assert len(clean["description"]) <= 4096
    assert len(clean["fields"]) <= 25
    assert all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in clean["fields"])
    total = (
        len(clean["title"]) + len(clean["description"]) + sum(len(f["name"]) + len(f["value"]) for f in clean["fields"])
    )
    total += len(clean["footer"]["text"])
    assert total <= limits.EMBED_TOTAL


def test_at_most_ten_embeds():
    assert len(render_message(Reply(embeds=[{"title": str(i)} for i in range(12)]))["embeds"]) == 10


def test_modal_limits():
    modal = Modal("m:1", "T" * 60, [TextInput(f"f{i}", "L" * 60, value="v" * 5000) for i in range(7)])
    data = render_modal(modal)
    assert len(data["title"]) == 45
    assert len(data["components"]) == 5
    first = data["components"][0]["components"][0]
    assert len(first["label"]) == 45 and len(first["value"]) == 4000


def test_response_types():
    assert render_interaction_response(Reply(content="a"), CMD)["type"] == 4
    assert render_interaction_response(Reply(content="a", update=True), CLICK)["type"] == 7
    # "update" makes no sense for a slash command: it becomes a new message.
    assert render_interaction_response(Reply(content="a", update=True), CMD)["type"] == 4
    assert render_interaction_response(Reply(deferred=True, ephemeral=True), CMD) == {"type": 5, "data": {"flags": 64}}
    assert render_interaction_response(Reply(deferred=True, update=True), CLICK) == {"type": 6}
    assert (
        render_interaction_response(Reply(choices=[Choice("n" * 150, "v")]), CMD)["data"]["choices"][0]["name"]
        == "n" * 99 + "…"
    )
