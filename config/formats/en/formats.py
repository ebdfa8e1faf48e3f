"""Date and time formats for English: every instant the admin shows as text (read-only fields,
list columns without their own formatting) names its zone, so "18:00" is never ambiguous.
Django looks here first because of FORMAT_MODULE_PATH; what is not set falls back to Django's own
English formats."""

DATETIME_FORMAT = "D j M Y, H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
