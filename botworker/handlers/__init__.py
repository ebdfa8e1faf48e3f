"""Interaction handlers; importing this package registers them with the router."""

from botworker.handlers import admin, general, scheduling, shifts, timetracking, watcher  # noqa: F401
