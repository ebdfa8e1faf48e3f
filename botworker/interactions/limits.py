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
ELLIPSIS = "…"


def clip(text: str | None, limit: int) -> str:
    """`text` cut to `limit` characters, ending with an ellipsis when something was cut."""
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS
