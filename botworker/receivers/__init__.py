"""Receivers of the domain apps' signals: each turns a domain event into outbox actions (Discord
side effects) inside the transaction that sent the signal. Importing this package connects them;
one module per domain app."""

from botworker.receivers import (  # noqa: F401
    clock,
    faq,
    gdpr,
    jobs,
    onboarding,
    outbox,
    reminders,
    scheduling,
    shifts,
    support,
    timetracking,
    watcher,
)
