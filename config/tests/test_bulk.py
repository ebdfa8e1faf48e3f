"""config.bulk: one-statement inserts and updates on PostgreSQL behave like Django's own."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from botworker.models import BotAction
from config.bulk import bulk_insert, bulk_update
from scheduling.models import Dispatch, Reminder

pytestmark = pytest.mark.django_db


def action(key: str, **extra) -> BotAction:
    return BotAction(kind="send_message", payload={"channel_id": "1", "content": key}, dedupe_key=key, **extra)


def test_insert_sets_keys_in_order_and_leaves_database_defaults_to_the_database():
    records = [
        Dispatch(
            source="reminder",
            source_id=n,
            guild_id=1,
            occurrence=datetime(2026, 12, 1, 10, n, tzinfo=UTC),
            kind="weekly",
            status="sent",
            dispatched_at=datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
        )
        for n in range(5)
    ]
    bulk_insert(Dispatch, records)
    assert [Dispatch.objects.get(pk=r.pk).source_id for r in records] == [0, 1, 2, 3, 4]
    rows = [action("a", hook_args={"dispatch_id": 7}), action("b")]
    bulk_insert(BotAction, rows, ignore_conflicts=True)
    stored = BotAction.objects.get(dedupe_key="a")
    assert stored.payload == {"channel_id": "1", "content": "a"} and stored.hook_args == {"dispatch_id": 7}
    assert stored.next_attempt_at is not None and stored.created_at is not None  # db_default, auto_now_add
    assert stored.status == "pending"


def test_insert_ignoring_conflicts_keeps_the_existing_row():
    bulk_insert(BotAction, [action("same")], ignore_conflicts=True)
    first = BotAction.objects.get(dedupe_key="same")
    replacement = action("same")
    replacement.payload = {"channel_id": "2", "content": "other"}
    bulk_insert(BotAction, [replacement, action("new")], ignore_conflicts=True)
    assert BotAction.objects.get(dedupe_key="same").payload == first.payload
    assert BotAction.objects.count() == 2


def test_update_writes_only_the_named_fields():
    rows = [
        Reminder.objects.create(
            guild_id=1, name=f"r{n}", channel_id=2, message="m", created_by=3, timezone="UTC", days=[0], time=time(9)
        )
        for n in range(3)
    ]
    for n, row in enumerate(rows):
        row.next_fire_at = datetime(2026, 12, 7, 9, n, tzinfo=UTC)
        row.status = "archived" if n == 2 else "active"
        row.name = "not written"
    bulk_update(Reminder, rows, ["next_fire_at", "status"])
    stored = {r.pk: r for r in Reminder.objects.all()}
    assert [stored[r.pk].next_fire_at.minute for r in rows] == [0, 1, 2]
    assert [stored[r.pk].status for r in rows] == ["active", "active", "archived"]
    assert {r.name for r in stored.values()} == {"r0", "r1", "r2"}
