"""Interaction handlers; importing this package registers them with the router."""

from botworker.handlers import (  # noqa: F401
    admin,
    faq,
    gdpr,
    general,
    jobs,
    onboarding,
    reminders,
    scheduling,
    shifts,
    support,
    support_stats,
    timetracking,
    watcher,
)
