import logging

from django.conf import settings

from config.logging import ContextFilter, log_context


def format_line(message: str) -> str:
    record = logging.LogRecord("guildhall.test", logging.INFO, __file__, 1, message, None, None)
    ContextFilter().filter(record)
    return logging.Formatter(settings.LOGGING["formatters"]["line"]["format"]).format(record)


def test_a_line_carries_the_bound_ids_in_a_fixed_order():
    with log_context(user=42, guild=7), log_context(interaction="99", extra=None):
        line = format_line("claimed shift")
    assert line.endswith("INFO guildhall.test claimed shift guild=7 user=42 interaction=99")


def test_ids_are_unbound_after_the_block():
    with log_context(guild=1):
        pass
    assert format_line("idle").endswith("INFO guildhall.test idle")


def test_levels_come_from_the_environment():
    assert settings.LOGGING["root"]["level"] == settings.LOG_LEVEL
