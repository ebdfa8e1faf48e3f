"""Interaction handlers; importing this package registers them with the router."""

from botworker.handlers import admin, general, reminders, scheduling, shifts, timetracking  # noqa: F401
