"""The shifts services: schedules, drop, edit, cancel, claim, release, expire, reminders, stats."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from config.exceptions import ApplicationError, ChannelRef, UserRef
from config.timeutils import BAD_LOCAL_DATETIME
from scheduling.services import member_zone_set
from shifts import selectors, services
from shifts.models import ModSchedule, Shift, ShiftPolicy
from shifts.services import Actor
from shifts.signals import shift_changed, shift_reminder_due
from shifts.tests.factories import (
    ADMIN,
    CHANNEL,
    DROPPER,
    GUILD,
    MOD_A,
    MOD_B,
    NOW,
    OTHER_GUILD,
    ModScheduleFactory,
    ShiftFactory,
    ShiftPolicyFactory,
)

pytestmark = pytest.mark.django_db

DROPPER_ACTOR = Actor(user_id=DROPPER, is_moderator=True)
A = Actor(user_id=MOD_A, is_moderator=True)
B = Actor(user_id=MOD_B, is_moderator=True)
ADMIN_ACTOR = Actor(user_id=ADMIN, is_moderator=True, is_admin=True)
MEMBER = Actor(user_id=123)


@pytest.fixture(autouse=True)
def policy():
    return ShiftPolicyFactory()


@pytest.fixture
def events():
    seen = []

    def record(sender, shift, change=None, **kwargs):
        seen.append((shift.pk, change or "reminder", kwargs.get("previous_claimer")))

    shift_changed.connect(record, dispatch_uid="test-events")
    shift_reminder_due.connect(record, dispatch_uid="test-reminders")
    yield seen
    shift_changed.disconnect(dispatch_uid="test-events")
    shift_reminder_due.disconnect(dispatch_uid="test-reminders")


def refused(fn, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        fn(**kwargs)
    return info.value


def plain(template: str, **params) -> str:
    """The plain text (API `detail`) of a refusal with these parameters."""
    return ApplicationError(template, params=params).message


def drop(**kwargs):
    """A drop into the guild's shift channel (passed by the caller, as the handlers and the API do)."""
    return services.shift_drop(**{"channel_id": CHANNEL, **kwargs})


# ---------------------------------------------------------------------------- schedules


def test_schedule_add_and_its_defaults():
    slot = services.schedule_add(
        guild_id=GUILD, actor=A, user_id=MOD_A, day=0, time="18:30", guild_timezone="Europe/Berlin"
    )
    assert (slot.day_of_week, slot.hour, slot.minute, slot.timezone, slot.duration_hours) == (
        0,
        18,
        30,
        ZoneInfo("Europe/Berlin"),
        1.0,
    )
    # A zone given for one slot is not a guess for the next: the guild's zone is still the default.
    services.schedule_add(
        guild_id=GUILD, actor=A, user_id=MOD_A, day=1, time="09:00", timezone="Asia/Tokyo", duration=2
    )
    third = services.schedule_add(guild_id=GUILD, actor=A, user_id=MOD_A, day=2, time="09:00", guild_timezone="UTC")
    assert third.timezone == ZoneInfo("UTC")
    # The member's own zone (set once, for every feature) wins over the guild's.
    member_zone_set(user_id=MOD_A, zone="America/Denver")
    fourth = services.schedule_add(guild_id=GUILD, actor=A, user_id=MOD_A, day=3, time="09:00", guild_timezone="UTC")
    assert fourth.timezone == ZoneInfo("America/Denver")
    assert services.resolve_timezone(guild_id=GUILD, user_id=MOD_A, timezone="Asia/Tokyo") == ZoneInfo("Asia/Tokyo")
    assert services.resolve_timezone(guild_id=GUILD, user_id=MOD_B, timezone=None) == ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("given", "guild_timezone", "expected"),
    [
        ("europe/berlin", None, "Europe/Berlin"),  # any case, stored canonical
        (None, "America/Chicago", "America/Chicago"),  # the guild configuration's zone
        (None, ZoneInfo("America/Chicago"), "America/Chicago"),
        (None, None, "UTC"),
    ],
)
def test_schedule_add_zone_defaults(given, guild_timezone, expected):
    slot = services.schedule_add(
        guild_id=GUILD, actor=A, user_id=MOD_A, day=3, time="07:00", timezone=given, guild_timezone=guild_timezone
    )
    slot.refresh_from_db()
    assert slot.timezone == ZoneInfo(expected)


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"time": "25:00"}, "time", "is not a time of day"),
        ({"day": 7}, "day", services.BAD_DAY),
        ({"timezone": "Europe/Lodnon"}, "timezone", "Did you mean Europe/London?"),
        ({"duration": 0.1}, "duration", "A shift lasts from 0.25 to 24 hours here; 0.1 is outside that."),
        ({"duration": 25}, "duration", "outside that"),
    ],
)
def test_schedule_add_refusals_write_nothing(kwargs, field, text):
    args = {"guild_id": GUILD, "actor": A, "user_id": MOD_A, "day": 0, "time": "18:00", **kwargs}
    error = refused(services.schedule_add, **args)
    assert error.field == field
    assert text in error.message
    assert not ModSchedule.objects.exists()


def test_schedule_add_duplicate_and_permissions():
    services.schedule_add(guild_id=GUILD, actor=A, user_id=MOD_A, day=0, time="18:00")
    error = refused(services.schedule_add, guild_id=GUILD, actor=A, user_id=MOD_A, day=0, time="18:00")
    assert error.message == "You already have a slot on Monday at 18:00."
    assert (error.template, error.params) == (services.SLOT_EXISTS, {"day": "Monday", "hh": 18, "mm": 0})
    error = refused(services.schedule_add, guild_id=GUILD, actor=ADMIN_ACTOR, user_id=MOD_A, day=0, time="18:00")
    assert error.message == f"user {MOD_A} already has a slot on Monday at 18:00."
    assert error.params["user"] == UserRef(MOD_A)
    assert refused(services.schedule_add, guild_id=GUILD, actor=A, user_id=MOD_B, day=0, time="18:00").message == (
        services.NOT_ADMIN_FOR_OTHERS
    )
    assert refused(services.schedule_add, guild_id=GUILD, actor=MEMBER, user_id=123, day=0, time="1:00").message == (
        services.NOT_MODERATOR
    )
    services.schedule_add(guild_id=GUILD, actor=ADMIN_ACTOR, user_id=MOD_B, day=0, time="18:00")
    assert ModSchedule.objects.count() == 2


def test_schedule_remove_and_clear():
    for day in range(3):
        services.schedule_add(guild_id=GUILD, actor=A, user_id=MOD_A, day=day, time="10:00")
    services.schedule_add(guild_id=GUILD, actor=B, user_id=MOD_B, day=0, time="10:00")
    services.schedule_remove(guild_id=GUILD, actor=A, user_id=MOD_A, day=0, time="10:00")
    error = refused(services.schedule_remove, guild_id=GUILD, actor=A, user_id=MOD_A, day=0, time="10:00")
    assert error.message == plain(services.NO_SUCH_SLOT, day="Monday", hh=10, mm=0)
    assert error.message == "There is no slot on Monday at 10:00 in that schedule."
    assert (
        refused(services.schedule_clear, guild_id=GUILD, actor=A, user_id=MOD_B).message
        == services.NOT_ADMIN_FOR_OTHERS
    )
    assert services.schedule_clear(guild_id=GUILD, actor=A, user_id=MOD_A) == 2
    assert services.schedule_clear(guild_id=GUILD, actor=ADMIN_ACTOR, user_id=MOD_B) == 1
    assert not ModSchedule.objects.exists()


# ---------------------------------------------------------------------------- drop


def test_shift_drop(events):
    shift = drop(
        guild_id=GUILD,
        actor=DROPPER_ACTOR,
        start="2026-07-01 18:00",
        duration=1.5,
        description="Desk",
        timezone="America/New_York",
        now=NOW,
    )
    assert shift.start_time_utc.isoformat() == "2026-07-01T22:00:00+00:00"
    assert (shift.channel_id, shift.duration_hours, shift.timezone, shift.created_by) == (
        CHANNEL,
        1.5,
        ZoneInfo("America/New_York"),
        DROPPER,
    )
    assert events == [(shift.pk, "dropped", None)]


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"start": "2026-05-01 10:00"}, "start", "has already passed"),
        ({"start": "2026-03-08 02:30", "timezone": "America/New_York"}, "start", "does not exist in America/New_York"),
        ({"start": "soon"}, "start", BAD_LOCAL_DATETIME.format(value="soon")),
        ({"duration": 30}, "duration", "outside that"),
        ({"description": "x" * 1001}, "description", "The description has 1001 characters; at most 1000"),
        ({"timezone": "Mars/Olympus"}, "timezone", "is not an IANA time zone"),
    ],
)
def test_shift_drop_refusals_write_nothing(kwargs, field, text, events):
    args = {"guild_id": GUILD, "actor": DROPPER_ACTOR, "start": "2026-07-01 18:00", "duration": 1, "now": NOW, **kwargs}
    args["channel_id"] = CHANNEL
    error = refused(services.shift_drop, **args)
    assert (error.field, text in error.message) == (field, True), error.message
    assert not Shift.objects.exists()
    assert events == []


def test_shift_drop_needs_a_moderator_a_channel_and_the_right_channel(policy):
    assert refused(
        services.shift_drop, guild_id=GUILD, actor=MEMBER, start="2026-07-01 18:00", duration=1, now=NOW
    ).message == (services.NOT_MODERATOR)
    error = refused(
        services.shift_drop,
        guild_id=GUILD,
        actor=A,
        start="2026-07-01 18:00",
        duration=1,
        now=NOW,
        channel_id=CHANNEL,
        invoked_in_channel_id=5,
    )
    assert error.message == f"Shift commands work in channel {CHANNEL} only."
    assert (error.template, error.params, error.code) == (
        services.WRONG_CHANNEL,
        {"channel": ChannelRef(CHANNEL)},
        "wrong_channel",
    )
    error = refused(services.shift_drop, guild_id=OTHER_GUILD, actor=A, start="2026-07-01 18:00", duration=1, now=NOW)
    assert (error.message, error.field, error.code) == (services.NO_CHANNEL, "channel_id", "no_channel")
    # From the shift channel, or from no channel at all (the API, the admin), it is posted there.
    shift = services.shift_drop(
        guild_id=OTHER_GUILD, actor=A, start="2026-07-01 18:00", duration=1, now=NOW, channel_id=77
    )
    assert shift.channel_id == 77
    shift = services.shift_drop(
        guild_id=GUILD, actor=A, start="2026-07-02 18:00", duration=1, now=NOW, channel_id=77, invoked_in_channel_id=77
    )
    assert shift.channel_id == 77
    assert Shift.objects.count() == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda shift: services.shift_edit(
            guild_id=GUILD,
            actor=DROPPER_ACTOR,
            shift_id=shift.pk,
            description="x",
            channel_id=CHANNEL,
            invoked_in_channel_id=5,
            now=NOW,
        ),
        lambda shift: services.shift_cancel(
            guild_id=GUILD, actor=DROPPER_ACTOR, shift_id=shift.pk, channel_id=CHANNEL, invoked_in_channel_id=5, now=NOW
        ),
        lambda shift: services.shift_drop_from_slot(
            guild_id=GUILD,
            actor=DROPPER_ACTOR,
            slot_id=ModScheduleFactory().pk,
            channel_id=CHANNEL,
            invoked_in_channel_id=5,
            now=NOW,
        ),
    ],
    ids=["edit", "cancel", "drop_from_slot"],
)
def test_shift_commands_work_only_in_the_shift_channel(call, events):
    shift = ShiftFactory()
    with pytest.raises(ApplicationError) as info:
        call(shift)
    assert info.value.message == f"Shift commands work in channel {CHANNEL} only."
    assert Shift.objects.get(pk=shift.pk).version == 1
    assert events == []


def test_drop_from_slot_uses_the_next_occurrence_and_only_once(events):
    slot = ModScheduleFactory(user_id=DROPPER, day_of_week=6, hour=2, minute=30, timezone="America/New_York")
    now = datetime(2026, 3, 2, tzinfo=UTC)
    shift = services.shift_drop_from_slot(
        guild_id=GUILD, actor=DROPPER_ACTOR, slot_id=slot.pk, channel_id=CHANNEL, now=now
    )
    assert shift.start_time_utc == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT: the gap decision
    assert (shift.assigned_user_id, shift.schedule_id, shift.duration_hours) == (DROPPER, slot.pk, 2.0)
    error = refused(
        services.shift_drop_from_slot, guild_id=GUILD, actor=DROPPER_ACTOR, slot_id=slot.pk, channel_id=CHANNEL, now=now
    )
    assert f"(shift #{shift.pk})" in error.message
    assert error.message == (
        f"The Sunday 02:30 shift starting 2026-03-08T07:30:00Z is already dropped (shift #{shift.pk})."
    )
    assert error.params["start"] == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert Shift.objects.count() == 1
    # Someone else's slot: moderators may not, admins may.
    assert refused(
        services.shift_drop_from_slot, guild_id=GUILD, actor=A, slot_id=slot.pk, user_id=DROPPER, now=now
    ).message == (services.NOT_ADMIN_FOR_OTHERS)
    assert (
        refused(services.shift_drop_from_slot, guild_id=GUILD, actor=A, slot_id=slot.pk, now=now).message
        == services.SLOT_NOT_FOUND
    )
    assert refused(
        services.shift_drop_from_slot, guild_id=OTHER_GUILD, actor=DROPPER_ACTOR, slot_id=slot.pk, now=now
    ).message == (services.SLOT_NOT_FOUND)
    services.shift_cancel(guild_id=GUILD, actor=DROPPER_ACTOR, shift_id=shift.pk, now=now)
    again = services.shift_drop_from_slot(
        guild_id=GUILD, actor=ADMIN_ACTOR, slot_id=slot.pk, user_id=DROPPER, channel_id=CHANNEL, now=now
    )
    assert (again.created_by, again.assigned_user_id) == (ADMIN, DROPPER)


# ---------------------------------------------------------------------------- edit and cancel


def test_shift_edit(events):
    shift = ShiftFactory()
    edited = services.shift_edit(
        guild_id=GUILD,
        actor=DROPPER_ACTOR,
        shift_id=shift.pk,
        start="2026-06-04 10:00",
        duration=2,
        description="New",
        now=NOW,
    )
    assert (edited.start_time_utc.isoformat(), edited.duration_hours, edited.description, edited.version) == (
        "2026-06-04T10:00:00+00:00",
        2.0,
        "New",
        2,
    )
    assert events == [(shift.pk, "edited", None)]


def test_shift_edit_refusals_write_nothing():
    shift = ShiftFactory()
    cases = [
        (A, {"description": "x"}, services.NOT_OWNER),
        (DROPPER_ACTOR, {}, services.NOTHING_TO_EDIT),
        (DROPPER_ACTOR, {"duration": 99}, "outside that"),
        (DROPPER_ACTOR, {"start": "2026-01-01 10:00"}, "has already passed"),
        (DROPPER_ACTOR, {"description": "y" * 1001}, "at most 1000"),
    ]
    for actor, kwargs, text in cases:
        error = refused(services.shift_edit, guild_id=GUILD, actor=actor, shift_id=shift.pk, now=NOW, **kwargs)
        assert text in error.message
    assert refused(
        services.shift_edit, guild_id=OTHER_GUILD, actor=ADMIN_ACTOR, shift_id=shift.pk, description="z", now=NOW
    ).message == (services.SHIFT_NOT_FOUND)
    claimed = ShiftFactory(claimed_by=MOD_A, claimed_at=NOW)
    error = refused(
        services.shift_edit, guild_id=GUILD, actor=DROPPER_ACTOR, shift_id=claimed.pk, description="z", now=NOW
    )
    assert error.message == (
        f"Shift #{claimed.pk} is claimed by user {MOD_A}; only unclaimed shifts can be edited (cancel it instead)."
    )
    assert error.params == {"shift_id": claimed.pk, "user": UserRef(MOD_A)}
    shift.refresh_from_db()
    assert (shift.description, shift.version) == ("Cover the help desk", 1)


def test_shift_cancel_tells_the_claimer(events):
    shift = ShiftFactory(claimed_by=MOD_A, claimed_at=NOW)
    assert (
        refused(services.shift_cancel, guild_id=GUILD, actor=B, shift_id=shift.pk, now=NOW).message
        == services.NOT_OWNER
    )
    cancelled = services.shift_cancel(guild_id=GUILD, actor=ADMIN_ACTOR, shift_id=shift.pk, reason="No event", now=NOW)
    assert (cancelled.cancelled, cancelled.cancelled_by, cancelled.cancel_reason) == (True, ADMIN, "No event")
    assert events == [(shift.pk, "cancelled", MOD_A)]
    assert refused(services.shift_cancel, guild_id=GUILD, actor=ADMIN_ACTOR, shift_id=shift.pk, now=NOW).message == (
        plain(services.ALREADY_CANCELLED, shift_id=shift.pk)
    )


# ---------------------------------------------------------------------------- claim and release


def test_claim_and_release(events):
    shift = ShiftFactory()
    claimed = services.shift_claim(guild_id=GUILD, actor=A, shift_id=shift.pk, now=NOW)
    assert (claimed.claimed_by, claimed.claimed_at) == (MOD_A, NOW)
    error = refused(services.shift_claim, guild_id=GUILD, actor=B, shift_id=shift.pk, now=NOW)
    assert error.message == f"Shift #{shift.pk} is already claimed by user {MOD_A}."
    assert (error.template, error.params) == (services.SHIFT_CLAIMED_BY, {"shift_id": shift.pk, "user": UserRef(MOD_A)})
    assert refused(services.shift_claim, guild_id=GUILD, actor=A, shift_id=shift.pk, now=NOW).message == (
        plain(services.ALREADY_YOURS, shift_id=shift.pk)
    )
    assert refused(services.shift_release, guild_id=GUILD, actor=B, shift_id=shift.pk, now=NOW).message == (
        plain(services.NOT_YOUR_CLAIM, shift_id=shift.pk)
    )
    released = services.shift_release(guild_id=GUILD, actor=A, shift_id=shift.pk, now=NOW)
    assert (released.claimed_by, released.claimed_at) == (None, None)
    assert services.shift_claim(guild_id=GUILD, actor=B, shift_id=shift.pk, now=NOW).claimed_by == MOD_B
    assert [change for _, change, _ in events] == ["claimed", "released", "claimed"]
    late = shift.start_time_utc + timedelta(minutes=1)
    assert refused(services.shift_release, guild_id=GUILD, actor=B, shift_id=shift.pk, now=late).message == (
        plain(services.RELEASE_STARTED, shift_id=shift.pk)
    )


def test_claim_refusals_write_nothing(events):
    open_shift = ShiftFactory()
    scheduled = ShiftFactory(created_by=ADMIN, assigned_user_id=MOD_B)
    cancelled = ShiftFactory(cancelled=True, cancelled_at=NOW, cancelled_by=DROPPER)
    expired = ShiftFactory(start_time_utc=NOW - timedelta(hours=1), expired_at=NOW)
    started = ShiftFactory(start_time_utc=NOW - timedelta(minutes=1))
    cases = [
        (MEMBER, open_shift, GUILD, services.NOT_MODERATOR),
        (DROPPER_ACTOR, open_shift, GUILD, services.OWN_SHIFT),
        (B, scheduled, GUILD, services.OWN_SHIFT),
        (A, cancelled, GUILD, plain(services.SHIFT_CANCELLED, shift_id=cancelled.pk)),
        (A, expired, GUILD, plain(services.SHIFT_EXPIRED, shift_id=expired.pk)),
        (A, started, GUILD, plain(services.SHIFT_EXPIRED, shift_id=started.pk)),
        (A, open_shift, OTHER_GUILD, services.SHIFT_NOT_FOUND),
    ]
    for actor, shift, guild, message in cases:
        assert refused(services.shift_claim, guild_id=guild, actor=actor, shift_id=shift.pk, now=NOW).message == message
    assert (
        refused(services.shift_claim, guild_id=GUILD, actor=A, shift_id=999999, now=NOW).message
        == services.SHIFT_NOT_FOUND
    )
    assert not Shift.objects.filter(claimed_by__isnull=False).exists()
    assert events == []


def _history(user_id: int, hours: float, claimed_at) -> None:
    ShiftFactory(
        claimed_by=user_id, claimed_at=claimed_at, duration_hours=hours, start_time_utc=claimed_at + timedelta(hours=1)
    )


@pytest.mark.parametrize(
    ("history_hours", "starts_in", "allowed"),
    [
        (2.75, timedelta(days=2), True),  # just under the cap, far away: fine
        (3.0, timedelta(days=2), False),  # at the cap, outside the window: refused
        (3.0, timedelta(minutes=60), True),  # at the cap, at the window's edge: fine
        (3.0, timedelta(minutes=30), True),  # at the cap, inside the window: fine
        (3.0, timedelta(minutes=61), False),  # at the cap, just outside: refused
        (5.0, timedelta(hours=3), False),
    ],
)
def test_fairness_cap(history_hours, starts_in, allowed):
    _history(MOD_A, history_hours - 1, NOW - timedelta(days=6, hours=23))
    _history(MOD_A, 1, NOW - timedelta(days=1))
    # Outside the 7 days, or cancelled: not counted.
    _history(MOD_A, 10, NOW - timedelta(days=7, minutes=1))
    ShiftFactory(
        claimed_by=MOD_A, claimed_at=NOW - timedelta(days=1), duration_hours=10, cancelled=True, cancelled_at=NOW
    )
    assert services.claimed_hours_7d(guild_id=GUILD, user_id=MOD_A, now=NOW) == pytest.approx(history_hours)
    shift = ShiftFactory(start_time_utc=NOW + starts_in)
    if allowed:
        assert services.shift_claim(guild_id=GUILD, actor=A, shift_id=shift.pk, now=NOW).claimed_by == MOD_A
        return
    error = refused(services.shift_claim, guild_id=GUILD, actor=A, shift_id=shift.pk, now=NOW)
    may_from = shift.start_time_utc - timedelta(minutes=60)
    assert error.message == plain(services.HEAVY, hours=history_hours, cap=3.0, window=60, may_claim_from=may_from)
    assert error.message.endswith(f"so you can claim this one from {may_from:%Y-%m-%dT%H:%M:%S}Z.")
    assert error.params["may_claim_from"] == may_from
    assert f"{history_hours:g} hours" in error.message and "cap of 3 hours" in error.message
    assert error.extra["may_claim_from"] == (shift.start_time_utc - timedelta(minutes=60)).isoformat()
    shift.refresh_from_db()
    assert shift.claimed_by is None


def test_fairness_follows_the_policy(policy):
    policy.max_hours_7d, policy.heavy_lock_window_minutes = 1.0, 180
    policy.save()
    _history(MOD_A, 1, NOW - timedelta(hours=5))
    far, near = (
        ShiftFactory(start_time_utc=NOW + timedelta(hours=4)),
        ShiftFactory(start_time_utc=NOW + timedelta(hours=2)),
    )
    assert "cap of 1 hours" in refused(services.shift_claim, guild_id=GUILD, actor=A, shift_id=far.pk, now=NOW).message
    assert services.shift_claim(guild_id=GUILD, actor=A, shift_id=near.pk, now=NOW).claimed_by == MOD_A


# ---------------------------------------------------------------------------- expiry, reminders, hook


def test_expire_due_marks_only_unclaimed_started_shifts(events):
    due = ShiftFactory(start_time_utc=NOW - timedelta(minutes=1))
    claimed = ShiftFactory(
        start_time_utc=NOW - timedelta(minutes=1), claimed_by=MOD_A, claimed_at=NOW - timedelta(hours=1)
    )
    future = ShiftFactory(start_time_utc=NOW + timedelta(minutes=1))
    assert services.shift_expire_due(now=NOW) == [due.pk]
    assert services.shift_expire_due(now=NOW) == []
    due.refresh_from_db()
    assert due.expired_at == NOW and due.state(now=NOW) == "expired"
    assert Shift.objects.get(pk=claimed.pk).expired_at is None and Shift.objects.get(pk=future.pk).expired_at is None
    assert events == [(due.pk, "expired", None)]


def test_reminders_are_sent_once_and_again_after_a_reclaim(events):
    soon = ShiftFactory(
        start_time_utc=NOW + timedelta(minutes=10), claimed_by=MOD_A, claimed_at=NOW - timedelta(hours=1)
    )
    ShiftFactory(start_time_utc=NOW + timedelta(minutes=20), claimed_by=MOD_A, claimed_at=NOW)
    ShiftFactory(start_time_utc=NOW + timedelta(minutes=10))  # unclaimed
    assert services.shift_send_due_reminders(now=NOW) == [soon.pk]
    assert services.shift_send_due_reminders(now=NOW + timedelta(minutes=1)) == []
    services.shift_release(guild_id=GUILD, actor=A, shift_id=soon.pk, now=NOW)
    services.shift_claim(guild_id=GUILD, actor=B, shift_id=soon.pk, now=NOW)
    assert services.shift_send_due_reminders(now=NOW) == [soon.pk]
    assert [change for _, change, _ in events] == ["reminder", "released", "claimed", "reminder"]


def test_record_message_is_idempotent_and_ignores_gone_shifts():
    shift = ShiftFactory()
    services.shift_record_message(shift_id=shift.pk, channel_id=CHANNEL, message_id=42)
    services.shift_record_message(shift_id=shift.pk, channel_id=CHANNEL, message_id=42)
    assert Shift.objects.get(pk=shift.pk).message_id == 42
    assert services.shift_record_message(shift_id=999999, channel_id=CHANNEL, message_id=43) is None


# ---------------------------------------------------------------------------- stats


def _bulk_claimed(count: int) -> None:
    users = [MOD_A, MOD_B, ADMIN]
    Shift.objects.bulk_create(
        Shift(
            guild_id=GUILD,
            created_by=DROPPER,
            start_time_utc=NOW,
            duration_hours=0.5,
            claimed_by=users[i % 3],
            claimed_at=NOW - timedelta(hours=i % 200),
        )
        for i in range(count)
    )


def test_stats_values():
    _history(MOD_A, 2, NOW - timedelta(days=1))
    _history(MOD_A, 1.5, NOW - timedelta(days=20))
    _history(MOD_B, 1, NOW - timedelta(days=2))
    _history(MOD_B, 9, NOW - timedelta(days=60))
    ShiftFactory(guild_id=OTHER_GUILD, claimed_by=MOD_A, claimed_at=NOW, duration_hours=100)
    assert selectors.shift_stats(guild_id=GUILD, period="7d", now=NOW) == [
        {"user_id": MOD_A, "shifts": 1, "hours": 2.0},
        {"user_id": MOD_B, "shifts": 1, "hours": 1.0},
    ]
    assert selectors.shift_stats(guild_id=GUILD, period="30d", now=NOW)[0] == {
        "user_id": MOD_A,
        "shifts": 2,
        "hours": 3.5,
    }
    assert selectors.shift_stats(guild_id=GUILD, period="all", user_id=MOD_B, now=NOW) == [
        {"user_id": MOD_B, "shifts": 2, "hours": 10.0}
    ]
    assert selectors.shift_stats(guild_id=GUILD, period="all", user_id=DROPPER, now=NOW) == [
        {"user_id": DROPPER, "shifts": 0, "hours": 0.0}
    ]
    assert refused(selectors.shift_stats, guild_id=GUILD, period="1y").message == services.BAD_PERIOD


@pytest.mark.parametrize("count", [10, 10_000])
def test_stats_take_the_same_number_of_queries(count, django_assert_num_queries):
    _bulk_claimed(count)
    with django_assert_num_queries(1):
        rows = selectors.shift_stats(guild_id=GUILD, period="all", now=NOW)
    assert sum(row["shifts"] for row in rows) == count


def test_edit_cannot_move_onto_another_drop_of_the_same_slot():
    slot = ModScheduleFactory()
    first = ShiftFactory(schedule=slot, assigned_user_id=DROPPER, start_time_utc=NOW + timedelta(days=1))
    second = ShiftFactory(schedule=slot, assigned_user_id=DROPPER, start_time_utc=NOW + timedelta(days=8))
    target = (first.start_time_utc).strftime("%Y-%m-%d %H:%M")
    error = refused(services.shift_edit, guild_id=GUILD, actor=DROPPER_ACTOR, shift_id=second.pk, start=target, now=NOW)
    assert error.message == plain(services.SAME_OCCURRENCE, shift_id=first.pk)
    assert Shift.objects.get(pk=second.pk).start_time_utc == NOW + timedelta(days=8)


# ---------------------------------------------------------------------------- issue 12


@pytest.mark.parametrize(
    ("cap", "history"),
    [
        (3.0, [0.6, 0.7, 0.8, 0.9]),  # 2.9999999999999996 when summed as floats
        (0.9, [0.3, 0.6]),
        (2.2, [0.3, 1.9]),
        (1.1, [0.3, 0.35, 0.45]),
        (3.5, [0.7, 1.4, 1.4]),
        (1.75, [0.35, 0.7, 0.7]),
    ],
)
def test_fairness_cap_counts_exactly(policy, cap, history):
    ShiftPolicy.objects.filter(pk=policy.pk).update(max_hours_7d=cap)
    for n, hours in enumerate(history):
        _history(MOD_A, hours, NOW - timedelta(days=1, minutes=n))
        # The same history one minute short of the cap (the last shift a minute shorter).
        _history(MOD_B, hours - (1 / 60 if n == len(history) - 1 else 0), NOW - timedelta(days=1, minutes=n))
    at_cap, under_cap = (
        ShiftFactory(start_time_utc=NOW + timedelta(days=2)),
        ShiftFactory(start_time_utc=NOW + timedelta(days=2)),
    )

    error = refused(services.shift_claim, guild_id=GUILD, actor=A, shift_id=at_cap.pk, now=NOW)
    assert error.code == "fairness_cap"
    assert f"You have claimed {cap:g} hours" in error.message and f"the cap of {cap:g} hours" in error.message
    assert Shift.objects.get(pk=at_cap.pk).claimed_by is None
    assert services.shift_claim(guild_id=GUILD, actor=B, shift_id=under_cap.pk, now=NOW).claimed_by == MOD_B


def test_durations_are_whole_minutes(policy):
    shift = drop(guild_id=GUILD, actor=A, start="2026-06-10 10:00", duration=1.3333, timezone="UTC", now=NOW)
    shift.refresh_from_db()
    assert shift.duration_minutes == 80
    assert shift.duration_hours == 80 / 60
    slot = services.schedule_add(guild_id=GUILD, actor=A, user_id=MOD_A, day=0, time="09:00", duration=0.7)
    slot.refresh_from_db()
    assert (slot.duration_minutes, slot.duration_hours) == (42, 0.7)


@pytest.mark.parametrize("starts_ago", [timedelta(minutes=1), timedelta(hours=1), timedelta(days=2)])
def test_a_started_or_finished_claimed_shift_cannot_be_cancelled(events, starts_ago):
    shift = ShiftFactory(
        claimed_by=MOD_A, claimed_at=NOW - timedelta(days=3), start_time_utc=NOW - starts_ago, duration_hours=2
    )
    for actor in (ADMIN_ACTOR, DROPPER_ACTOR):
        error = refused(services.shift_cancel, guild_id=GUILD, actor=actor, shift_id=shift.pk, now=NOW)
        assert error.message == plain(services.CANCEL_STARTED, shift_id=shift.pk, start=shift.start_time_utc)
        assert error.code == "started"
    shift.refresh_from_db()
    assert (shift.cancelled, shift.version) == (False, 1)
    assert services.claimed_hours_7d(guild_id=GUILD, user_id=MOD_A, now=NOW) == 2
    assert events == []


def test_an_unclaimed_shift_whose_start_passed_cannot_be_cancelled_either(events):
    shift = ShiftFactory(start_time_utc=NOW - timedelta(minutes=1))  # started; the expiry task has not run yet
    error = refused(services.shift_cancel, guild_id=GUILD, actor=ADMIN_ACTOR, shift_id=shift.pk, now=NOW)
    assert error.message == plain(services.SHIFT_EXPIRED, shift_id=shift.pk)
    assert not Shift.objects.get(pk=shift.pk).cancelled
    assert events == []


def test_an_occurrence_is_dropped_once_even_after_its_slot_is_removed_and_added_again(events):
    now = datetime(2026, 3, 2, tzinfo=UTC)
    add = {"guild_id": GUILD, "actor": A, "user_id": MOD_A, "day": 2, "time": "18:00", "timezone": "Europe/Berlin"}
    slot = services.schedule_add(**add)
    first = services.shift_drop_from_slot(guild_id=GUILD, actor=A, slot_id=slot.pk, channel_id=CHANNEL, now=now)
    services.schedule_remove(guild_id=GUILD, actor=A, user_id=MOD_A, day=2, time="18:00")
    again = services.schedule_add(**add)
    error = refused(
        services.shift_drop_from_slot, guild_id=GUILD, actor=A, slot_id=again.pk, channel_id=CHANNEL, now=now
    )
    assert error.code == "duplicate"
    assert error.message == (
        f"The Wednesday 18:00 shift starting 2026-03-04T17:00:00Z is already dropped (shift #{first.pk})."
    )
    assert list(Shift.objects.values_list("pk", flat=True)) == [first.pk]
    # An admin dropping it for the moderator is the same occurrence.
    assert (
        refused(
            services.shift_drop_from_slot,
            guild_id=GUILD,
            actor=ADMIN_ACTOR,
            slot_id=again.pk,
            user_id=MOD_A,
            channel_id=CHANNEL,
            now=now,
        ).code
        == "duplicate"
    )
    # Once cancelled, the occurrence may be dropped again.
    services.shift_cancel(guild_id=GUILD, actor=A, shift_id=first.pk, now=now)
    second = services.shift_drop_from_slot(guild_id=GUILD, actor=A, slot_id=again.pk, channel_id=CHANNEL, now=now)
    assert second.start_time_utc == first.start_time_utc
    assert [change for _, change, _ in events] == ["dropped", "cancelled", "dropped"]


def test_the_database_holds_one_open_shift_per_occurrence():
    from django.db import IntegrityError, transaction

    start = NOW + timedelta(days=1)
    ShiftFactory(assigned_user_id=MOD_A, start_time_utc=start)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftFactory(assigned_user_id=MOD_A, start_time_utc=start, created_by=ADMIN)
    ShiftFactory(assigned_user_id=MOD_B, start_time_utc=start)  # another moderator's occurrence
    ShiftFactory(assigned_user_id=MOD_A, start_time_utc=start, cancelled=True, cancelled_at=NOW)


def test_admins_remove_another_moderators_slot_and_moderators_only_their_own():
    services.schedule_add(guild_id=GUILD, actor=A, user_id=MOD_A, day=0, time="18:00")
    error = refused(services.schedule_remove, guild_id=GUILD, actor=B, user_id=MOD_A, day=0, time="18:00")
    assert error.message == services.NOT_ADMIN_FOR_OTHERS
    assert ModSchedule.objects.filter(user_id=MOD_A).count() == 1
    removed = services.schedule_remove(guild_id=GUILD, actor=ADMIN_ACTOR, user_id=MOD_A, day=0, time="18:00")
    assert (removed.user_id, removed.day_of_week, removed.hour) == (MOD_A, 0, 18)
    assert not ModSchedule.objects.exists()


def test_a_claimed_shift_is_rerendered_once_when_it_starts(events):
    shift = ShiftFactory(
        claimed_by=MOD_A, claimed_at=NOW - timedelta(hours=1), start_time_utc=NOW + timedelta(minutes=5)
    )
    open_shift = ShiftFactory(start_time_utc=NOW + timedelta(minutes=5), created_by=ADMIN)
    assert services.shift_settle_started(now=NOW) == {"expired": [], "started": []}
    later = NOW + timedelta(minutes=6)
    assert services.shift_settle_started(now=later) == {"expired": [open_shift.pk], "started": [shift.pk]}
    assert services.shift_settle_started(now=later + timedelta(minutes=1)) == {"expired": [], "started": []}
    shift.refresh_from_db()
    assert (shift.version, shift.start_passed_at, shift.claimed_by) == (2, later, MOD_A)
    assert sorted(events) == sorted([(shift.pk, "started", None), (open_shift.pk, "expired", None)])
