"""Discord's limits, in one place. The renderer enforces them by truncating, never by failing."""

CONTENT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000
ACTION_ROWS = 5
BUTTONS_PER_ROW = 5
BUTTON_LABEL = 80
CUSTOM_ID = 100
SELECT_OPTIONS = 25
SELECT_OPTION_TEXT = 100
MODAL_TITLE = 45
MODAL_INPUTS = 5
TEXT_INPUT_LABEL = 45
TEXT_INPUT_VALUE = 4000
TEXT_INPUT_PLACEHOLDER = 100
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
INTERACTION_RESPONSE_SECONDS = 3
FILES_PER_MESSAGE = 10
FILENAME = 100
ATTACHMENT_DESCRIPTION = 1024
# What a bot may upload with one message in a guild without boosts (all its files together).
UPLOAD_BYTES = 10 * 1024 * 1024
ELLIPSIS = "…"


# Markdown that must not be cut open: a cut inside one leaves the rest of the message formatted.
_PAIRED_MARKS = ("```", "**", "__", "~~", "||", "`")


def _open_mark_at(text: str) -> int | None:
    """Where the first still-open pair of markdown or `<…>` token starts in `text`, or None."""
    earliest = None
    angle = text.rfind("<")
    if angle > text.rfind(">"):
        earliest = angle
    for mark in _PAIRED_MARKS:
        scrubbed = text.replace("```", "\0\0\0") if mark == "`" else text
        if scrubbed.count(mark) % 2:
            position = scrubbed.rfind(mark)
            earliest = position if earliest is None else min(earliest, position)
    return earliest


def clip(text: str | None, limit: int) -> str:
    """`text` cut to `limit` characters, ending with an ellipsis when something was cut. A cut
    never leaves markdown (``**``, `````, ``||`` …) or a mention/timestamp (``<…>``) open: it
    moves back to before the unclosed mark."""
    text = "" if text is None else str(text)
    if len(text) <= limit:
        return text
    kept = text[: limit - 1]
    for _ in range(len(_PAIRED_MARKS) + 1):
        position = _open_mark_at(kept)
        if position is None:
            break
        kept = kept[:position]
    return kept.rstrip() + ELLIPSIS
