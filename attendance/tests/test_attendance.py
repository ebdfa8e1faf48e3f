"""Events, answers, attendance records and statistics."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection

from attendance import selectors, services, signals
from attendance.models import RaidAttendance, RaidEvent
from attendance.tests.factories import EventFactory, SeasonFactory
from config import timeutils
from config.exceptions import ApplicationError
from config.timeutils import parse_local_datetime
from scheduling.actors import SYSTEM
from scheduling.tests.factories import GUILD_ID, PlayerFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def test_event_create_picks_the_current_season_and_signals():
    SeasonFactory(name="Old", start_date=dt.date(2029, 1, 1))
    season = SeasonFactory(name="New", start_date=dt.date(2029, 12, 1))
    seen = []

    def receiver(sender, event, **kwargs):
        seen.append(event.pk)

    signals.event_created.connect(receiver)
    try:
        start = parse_local_datetime("2030-01-07 20:00", BERLIN)
        event = services.event_create(
            actor=SYSTEM, guild_id=GUILD_ID, title="Heroic", start=start, timezone="Europe/Berlin", now=NOW
        )
    finally:
        signals.event_created.disconnect(receiver)
    assert seen == [event.pk]
    assert selectors.event_season(event=event) == season
    assert event.start_time_utc == dt.datetime(2030, 1, 7, 19, tzinfo=dt.UTC)
    assert event.end_time_utc == dt.datetime(2030, 1, 7, 21, tzinfo=dt.UTC)
    assert event.event_date == dt.date(2030, 1, 7)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2030-13-01 20:00", timeutils.BAD_LOCAL_DATETIME),
        ("tomorrow", timeutils.BAD_LOCAL_DATETIME),
        ("2030-03-31 02:30", timeutils.NONEXISTENT_LOCAL),
    ],
)
def test_event_start_parsing_refuses(value, message):
    with pytest.raises(ApplicationError) as error:
        parse_local_datetime(value, BERLIN)
    assert error.value.message == message.format(value=value, zone="Europe/Berlin")
    assert error.value.field == "start"


def test_event_start_in_fall_back_fold_is_the_first_occurrence():
    start = parse_local_datetime("2030-10-27 02:30", BERLIN)
    assert start.astimezone(dt.UTC) == dt.datetime(2030, 10, 27, 0, 30, tzinfo=dt.UTC)


def test_event_create_refuses_past_and_bad_duration():
    start = dt.datetime(2029, 12, 31, tzinfo=dt.UTC)
    with pytest.raises(ApplicationError) as error:
        services.event_create(actor=SYSTEM, guild_id=GUILD_ID, title="x", start=start, now=NOW)
    assert error.value.message == services.START_IN_PAST
    with pytest.raises(ApplicationError) as error:
        services.event_create(
            actor=SYSTEM, guild_id=GUILD_ID, title="x", start=NOW, duration=dt.timedelta(hours=13), now=NOW
        )
    assert error.value.message == services.BAD_DURATION
    assert not RaidEvent.objects.exists()


def test_answers_sign_up_tentative_decline():
    event = EventFactory()
    player = PlayerFactory()
    row = services.attendance_answer(
        event_id=event.pk, discord_user_id=player.discord_user_id, answer="signed_up", guild_id=GUILD_ID, now=NOW
    )
    assert (row.signed_up, row.tentative, row.noted_absence) == (True, False, False)
    row = services.attendance_answer(
        event_id=event.pk, discord_user_id=player.discord_user_id, answer="tentative", guild_id=GUILD_ID, now=NOW
    )
    assert (row.signed_up, row.tentative, row.noted_absence) == (False, True, False)
    with pytest.raises(ApplicationError) as error:
        services.attendance_answer(
            event_id=event.pk, discord_user_id=player.discord_user_id, answer="declined", guild_id=GUILD_ID, now=NOW
        )
    assert error.value.message == services.NEED_REASON
    row = services.attendance_answer(
        event_id=event.pk,
        discord_user_id=player.discord_user_id,
        answer="declined",
        reason="Work trip",
        guild_id=GUILD_ID,
        now=NOW,
    )
    assert (row.signed_up, row.noted_absence, row.absence_reason) == (False, True, "Work trip")
    assert RaidAttendance.objects.count() == 1
    answers = selectors.event_answers(event=event)
    assert answers["declined"] == [player] and answers["signed_up"] == []


def test_answers_are_refused_from_another_guild_after_the_end_and_from_strangers_in_dms():
    event = EventFactory()
    with pytest.raises(ApplicationError) as error:
        services.attendance_answer(event_id=event.pk, discord_user_id=1, answer="signed_up", guild_id=5, now=NOW)
    assert error.value.message == services.NOT_IN_GUILD
    with pytest.raises(ApplicationError) as error:
        services.attendance_answer(
            event_id=event.pk, discord_user_id=1, answer="signed_up", guild_id=GUILD_ID, now=event.end_time_utc
        )
    assert error.value.message == services.EVENT_ENDED
    with pytest.raises(ApplicationError) as error:
        services.attendance_answer(event_id=event.pk, discord_user_id=1, answer="signed_up", guild_id=None, now=NOW)
    assert error.value.message == services.NOT_A_PLAYER
    assert not RaidAttendance.objects.exists()


def test_record_attendance_keeps_the_answer():
    event = EventFactory()
    player = PlayerFactory()
    services.attendance_answer(
        event_id=event.pk, discord_user_id=player.discord_user_id, answer="signed_up", guild_id=GUILD_ID, now=NOW
    )
    with pytest.raises(ApplicationError) as error:
        services.attendance_record(actor=SYSTEM, event_id=event.pk, player=player, now=NOW)
    assert error.value.message == services.EVENT_NOT_STARTED
    row = services.attendance_record(actor=SYSTEM, event_id=event.pk, player=player, now=event.start_time_utc)
    assert (row.signed_up, row.attended, row.source) == (True, True, "manual")
    with pytest.raises(ApplicationError):
        services.attendance_record(
            actor=SYSTEM, event_id=event.pk, player=PlayerFactory(guild_id=5), now=event.end_time_utc
        )


def test_statistics_count_excused_apart_from_unexcused(django_assert_num_queries):
    SeasonFactory(name="Earlier", start_date=dt.date(2029, 1, 1))
    season = SeasonFactory(start_date=dt.date(2030, 1, 1))
    events = [EventFactory(start_time_utc=dt.datetime(2030, 1, day, 19, tzinfo=dt.UTC)) for day in (7, 8, 9, 10)]
    EventFactory(start_time_utc=dt.datetime(2029, 12, 7, 19, tzinfo=dt.UTC))  # the earlier season's
    future = EventFactory(start_time_utc=dt.datetime(2030, 2, 1, 19, tzinfo=dt.UTC))
    alice, bob = PlayerFactory(display_name="Alice"), PlayerFactory(display_name="Bob")
    for event in events:
        services.attendance_answer(
            event_id=event.pk, discord_user_id=alice.discord_user_id, answer="signed_up", guild_id=GUILD_ID, now=NOW
        )
    services.attendance_answer(
        event_id=events[0].pk,
        discord_user_id=bob.discord_user_id,
        answer="declined",
        reason="Ill",
        guild_id=GUILD_ID,
        now=NOW,
    )
    services.attendance_answer(
        event_id=events[1].pk,
        discord_user_id=bob.discord_user_id,
        answer="declined",
        reason="Away",
        guild_id=GUILD_ID,
        now=NOW,
    )
    after = dt.datetime(2030, 1, 20, tzinfo=dt.UTC)
    for event in events[:3]:
        services.attendance_record(actor=SYSTEM, event_id=event.pk, player=alice, now=after)
    services.attendance_record(actor=SYSTEM, event_id=events[3].pk, player=bob, now=after)
    assert selectors.event_season(event=future) == season
    with django_assert_num_queries(3):
        stats = selectors.attendance_statistics(guild_id=GUILD_ID, season=season, now=after)
    by_name = {s.player.display_name: s for s in stats}
    a, b = by_name["Alice"], by_name["Bob"]
    assert (a.events, a.attended, a.excused, a.unexcused, a.rate) == (4, 3, 0, 1, 0.75)
    assert (b.events, b.attended, b.excused, b.unexcused, b.rate) == (4, 1, 2, 1, 0.25)
    only_bob = selectors.attendance_statistics(guild_id=GUILD_ID, season=season, player=bob, now=after)
    assert [s.player for s in only_bob] == [bob]


def test_reminder_and_summary_are_sent_once():
    event = EventFactory()
    player = PlayerFactory()
    services.attendance_answer(
        event_id=event.pk, discord_user_id=player.discord_user_id, answer="signed_up", guild_id=GUILD_ID, now=NOW
    )
    reminded, summarized = [], []
    signals.event_reminder_due.connect(rem := lambda sender, event, players, **kw: reminded.append(players))
    signals.event_summary_due.connect(summ := lambda sender, event, summary, **kw: summarized.append(summary))
    try:
        early = event.start_time_utc - dt.timedelta(minutes=31)
        assert selectors.events_due_for_reminder(now=early) == []
        assert services.event_send_reminder(event_id=event.pk, now=early) is False
        soon = event.start_time_utc - dt.timedelta(minutes=30)
        assert selectors.events_due_for_reminder(now=soon) == [event.pk]
        assert services.event_send_reminder(event_id=event.pk, now=soon) is True
        assert services.event_send_reminder(event_id=event.pk, now=soon) is False
        assert reminded == [[player]]
        assert services.event_send_summary(event_id=event.pk, now=event.start_time_utc) is False
        assert selectors.events_due_for_summary(now=event.end_time_utc) == [event.pk]
        assert services.event_send_summary(event_id=event.pk, now=event.end_time_utc) is True
        assert services.event_send_summary(event_id=event.pk, now=event.end_time_utc) is False
        assert summarized[0]["unexcused"] == [player]
    finally:
        signals.event_reminder_due.disconnect(rem)
        signals.event_summary_due.disconnect(summ)


@pytest.mark.django_db(transaction=True)
def test_concurrent_reminders_send_once():
    event = EventFactory()
    soon = event.start_time_utc - dt.timedelta(minutes=10)
    results = []
    barrier = threading.Barrier(4)

    def run():
        try:
            barrier.wait()
            results.append(services.event_send_reminder(event_id=event.pk, now=soon))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_are_all_kept():
    event = EventFactory()
    players = [PlayerFactory() for _ in range(6)]
    errors = []
    barrier = threading.Barrier(len(players))

    def run(player):
        try:
            barrier.wait()
            services.attendance_answer(
                event_id=event.pk,
                discord_user_id=player.discord_user_id,
                answer="signed_up",
                guild_id=GUILD_ID,
                now=NOW,
            )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(player,)) for player in players]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert RaidAttendance.objects.filter(event=event, signed_up=True).count() == 6
