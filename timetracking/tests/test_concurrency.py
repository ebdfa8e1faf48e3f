"""Concurrent clock-ins and clock-outs, with real threads and connections: the effect of one."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from config.exceptions import ApplicationError
from timetracking import rules, services
from timetracking.models import FocusSession, Subject, TrackedUser
from timetracking.tests.factories import T0, USER_ID

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 10


def run_together(work, count: int = THREADS) -> list:
    """Run `work(i)` in `count` threads released at once; each result or exception, in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # collected for the test to assert on
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_ten_concurrent_clock_ins_start_one_session():
    results = run_together(lambda i: services.session_clock_in(user_id=USER_ID, subject=f"Subject {i % 2}", now=T0))
    started = [r for r in results if isinstance(r, FocusSession)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(started) == 1
    assert len(refused) == THREADS - 1
    assert all(r.message.startswith("You already have a session running on") for r in refused)
    assert FocusSession.objects.count() == 1
    assert TrackedUser.objects.count() == 1
    # Only the winner's subject was created: the losers' transactions wrote nothing.
    assert list(Subject.objects.values_list("name", flat=True)) == [started[0].subject.name]


def test_ten_concurrent_clock_outs_clock_out_once():
    session = services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
    results = run_together(
        lambda i: services.session_clock_out(
            user_id=USER_ID, session_id=session.pk, now=T0 + timedelta(minutes=30, seconds=i)
        )
    )
    ended = [r for r in results if isinstance(r, FocusSession)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(ended) == 1
    assert [r.message for r in refused] == [rules.ALREADY_CLOCKED_OUT] * (THREADS - 1)
    stored = FocusSession.objects.get(pk=session.pk)
    assert stored.status == FocusSession.Status.ENDED_UNCONFIRMED
    assert stored.ended_at == ended[0].ended_at


def test_concurrent_pause_and_clock_out_leave_a_consistent_session():
    session = services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
    moment = T0 + timedelta(minutes=30)

    def work(i: int):
        if i % 2:
            return services.session_pause(user_id=USER_ID, session_id=session.pk, now=moment)
        return services.session_clock_out(user_id=USER_ID, session_id=session.pk, now=moment + timedelta(minutes=5))

    results = run_together(work)
    stored = FocusSession.objects.get(pk=session.pk)
    assert stored.status == FocusSession.Status.ENDED_UNCONFIRMED
    assert sum(isinstance(r, FocusSession) and r.status == stored.status for r in results) == 1
    # Whether a pause got in first or not, measured = effective + paused.
    assert stored.measured_seconds(T0) == stored.effective_seconds(T0) + stored.paused_seconds(T0)
