"""One renderer: a :class:`Reply` becomes Discord's JSON, within Discord's limits.

Limits are enforced by truncating text, moving surplus buttons to further rows and dropping
what still does not fit (with a warning in the log), never by failing: an answer that is a
little shorter is better than none.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from botworker.interactions import limits
from botworker.interactions.replies import Modal, Reply
from botworker.interactions.routing import InteractionType

logger = logging.getLogger("guildhall.render")

EPHEMERAL = 1 << 6

# Interaction callback types.
PONG = 1
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

NO_MENTIONS = {"parse": []}


def render_interaction_response(reply: Reply, interaction_type: InteractionType) -> dict:
    """The body of the interaction callback for `reply`."""
    if reply.choices is not None:
        return {
            "type": AUTOCOMPLETE_RESULT,
            "data": {"choices": [c.as_json() for c in reply.choices[: limits.AUTOCOMPLETE_CHOICES]]},
        }
    if reply.modal is not None:
        return {"type": MODAL, "data": render_modal(reply.modal)}
    from_component = interaction_type in (InteractionType.MESSAGE_COMPONENT, InteractionType.MODAL_SUBMIT)
    if reply.deferred:
        if reply.update and from_component:
            return {"type": DEFERRED_UPDATE_MESSAGE}
        return {"type": DEFERRED_CHANNEL_MESSAGE, "data": {"flags": EPHEMERAL} if reply.ephemeral else {}}
    if reply.files:
        logger.warning("%d file(s) dropped: only a deferred answer can carry files", len(reply.files))
    data = render_message(reply)
    if reply.update and from_component:
        return {"type": UPDATE_MESSAGE, "data": data}
    if reply.ephemeral:
        data["flags"] = EPHEMERAL
    return {"type": CHANNEL_MESSAGE, "data": data}


def render_message(reply: Reply) -> dict:
    """Message JSON (content, embeds, components, allowed_mentions) for a reply, a follow-up
    or an outbox send/edit."""
    content = reply.content or ""
    if len(content) > limits.CONTENT:
        logger.warning("content of %d characters truncated to %d", len(content), limits.CONTENT)
    data: dict[str, Any] = {
        "content": limits.clip(content, limits.CONTENT),
        "embeds": render_embeds(reply.embeds),
        "components": render_components(reply.components),
        "allowed_mentions": reply.allowed_mentions if reply.allowed_mentions is not None else NO_MENTIONS,
    }
    return data


def render_files(reply: Reply) -> list[dict]:
    """The reply's files as JSON-safe dicts (`filename`, `description`, base64 `data`), kept with
    a deferred answer's message under the key "files" until the follow-up edit uploads them."""
    return [
        {
            "filename": limits.clip(file.filename, 100),
            "description": limits.clip(file.description, 1024),
            "data": base64.b64encode(file.data).decode(),
        }
        for file in reply.files
    ]


def render_embeds(embeds: list[dict]) -> list[dict]:
    if len(embeds) > limits.EMBEDS_PER_MESSAGE:
        logger.warning("%d embeds; only the first %d are sent", len(embeds), limits.EMBEDS_PER_MESSAGE)
    out = []
    budget = limits.EMBED_TOTAL
    for embed in embeds[: limits.EMBEDS_PER_MESSAGE]:
        clean, used = _clip_embed(embed, budget)
        if clean is None:
            logger.warning("embed dropped: the message's embeds exceed %d characters", limits.EMBED_TOTAL)
            break
        out.append(clean)
        budget -= used
    return out


def _clip_embed(embed: dict, budget: int) -> tuple[dict | None, int]:
    """The embed within the per-field limits and the remaining total budget."""
    clean = dict(embed)
    used = 0

    def take(text: str, limit: int) -> str:
        nonlocal used
        text = limits.clip(text, min(limit, max(budget - used, 0)))
        used += len(text)
        return text

    if "title" in clean:
        clean["title"] = take(clean["title"], limits.EMBED_TITLE)
    if "description" in clean:
        clean["description"] = take(clean["description"], limits.EMBED_DESCRIPTION)
    if "author" in clean and "name" in clean["author"]:
        clean["author"] = {**clean["author"], "name": take(clean["author"]["name"], limits.EMBED_AUTHOR)}
    if "footer" in clean and "text" in clean["footer"]:
        clean["footer"] = {**clean["footer"], "text": take(clean["footer"]["text"], limits.EMBED_FOOTER)}
    fields = []
    for item in clean.get("fields", [])[: limits.EMBED_FIELDS]:
        if budget - used <= 2:
            break
        name = take(item.get("name", "") or "\u200b", limits.EMBED_FIELD_NAME) or "\u200b"
        value = take(item.get("value", "") or "\u200b", limits.EMBED_FIELD_VALUE) or "\u200b"
        fields.append({**item, "name": name, "value": value})
    if "fields" in clean:
        if len(clean["fields"]) > len(fields):
            logger.warning("embed fields cut from %d to %d", len(clean["fields"]), len(fields))
        clean["fields"] = fields
    if used == 0 and budget <= 0:
        return None, 0
    return clean, used


def render_components(rows: list[list[dict]]) -> list[dict]:
    """Action rows: at most 5 buttons a row (surplus flows into the next row), at most 5 rows,
    custom_ids of at most 100 characters (a longer one is a bug: the component is dropped)."""
    flowed: list[list[dict]] = []
    for row in rows:
        clean = [_clip_component(c) for c in row]
        clean = [c for c in clean if c is not None]
        if any(c["type"] != 2 for c in clean):
            # A select menu fills a row by itself.
            flowed.extend([c] for c in clean)
            continue
        for start in range(0, len(clean), limits.BUTTONS_PER_ROW):
            flowed.append(clean[start : start + limits.BUTTONS_PER_ROW])
    flowed = [row for row in flowed if row]
    if len(flowed) > limits.ACTION_ROWS:
        logger.warning("%d component rows; only the first %d are sent", len(flowed), limits.ACTION_ROWS)
    return [{"type": 1, "components": row} for row in flowed[: limits.ACTION_ROWS]]


def _clip_component(component: dict) -> dict | None:
    custom_id = component.get("custom_id")
    if custom_id is not None and len(custom_id) > limits.CUSTOM_ID:
        logger.error("component dropped: custom_id of %d characters: %.40s…", len(custom_id), custom_id)
        return None
    clean = dict(component)
    if "label" in clean:
        clean["label"] = limits.clip(clean["label"], limits.BUTTON_LABEL)
    if "placeholder" in clean:
        clean["placeholder"] = limits.clip(clean["placeholder"], limits.SELECT_OPTION_TEXT)
    if "options" in clean:
        clean["options"] = [
            {
                **option,
                "label": limits.clip(option.get("label", ""), limits.SELECT_OPTION_TEXT),
                **(
                    {"description": limits.clip(option["description"], limits.SELECT_OPTION_TEXT)}
                    if "description" in option
                    else {}
                ),
            }
            for option in clean["options"][: limits.SELECT_OPTIONS]
        ]
        clean["max_values"] = min(clean.get("max_values", 1), len(clean["options"]) or 1)
    return clean


def render_modal(modal: Modal) -> dict:
    inputs = []
    for text_input in modal.inputs[: limits.MODAL_INPUTS]:
        item: dict[str, Any] = {
            "type": 4,
            "custom_id": text_input.custom_id,
            "label": limits.clip(text_input.label, limits.TEXT_INPUT_LABEL),
            "style": text_input.style,
            "required": text_input.required,
        }
        if text_input.value is not None:
            item["value"] = limits.clip(text_input.value, limits.TEXT_INPUT_VALUE)
        if text_input.placeholder:
            item["placeholder"] = limits.clip(text_input.placeholder, limits.TEXT_INPUT_PLACEHOLDER)
        if text_input.min_length is not None:
            item["min_length"] = text_input.min_length
        if text_input.max_length is not None:
            item["max_length"] = min(text_input.max_length, limits.TEXT_INPUT_VALUE)
        inputs.append({"type": 1, "components": [item]})
    return {"custom_id": modal.custom_id, "title": limits.clip(modal.title, limits.MODAL_TITLE), "components": inputs}
