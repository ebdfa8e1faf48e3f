"""Interaction handlers; importing this package registers them with the router."""

from botworker.handlers import admin, general, jobs, onboarding, scheduling, shifts, support, timetracking  # noqa: F401
