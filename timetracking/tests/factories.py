"""Factories and a frozen clock for time-tracking tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory

from scheduling.services import member_zone_set
from timetracking import services
from timetracking.models import FocusSession, Subject, TrackedUser

USER_ID = 333_333_333_333_333_333
OTHER_USER_ID = 333_333_333_333_333_999
# Tuesday 17 Nov 2026, 11:00 in Sydney (AEDT, +11): the week of Monday 16 Nov.
T0 = datetime(2026, 11, 17, 0, 0, tzinfo=UTC)


class TrackedUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackedUser
        django_get_or_create = ("id",)

    id = USER_ID
    timezone = "Australia/Sydney"

    @classmethod
    def _create(cls, model_class, *args, timezone=None, **kwargs):
        # The zone is the member's (scheduling.MemberZone), not a column of the tracked user.
        user = super()._create(model_class, *args, **kwargs)
        if timezone is not None:
            member_zone_set(user_id=user.pk, zone=timezone)
            user.__dict__.pop("member_timezone", None)
        return user


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    user = factory.SubFactory(TrackedUserFactory)
    name = factory.Sequence(lambda n: f"subject {n}")


class Clock:
    """A clock the test moves by hand; installed in place of django.utils.timezone.now."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def session_in_status(
    status: str, *, user_id: int = USER_ID, subject: str = "search_engine", start: datetime = T0
) -> FocusSession:
    """A session brought to `status` through the services: started at `start`, paused at +30 min,
    clocked out at +60 min (while running), confirmed."""
    session = services.session_clock_in(user_id=user_id, subject=subject, goal="finish web scraper", now=start)
    if status == FocusSession.Status.PAUSED:
        session = services.session_pause(user_id=user_id, session_id=session.pk, now=start + timedelta(minutes=30))
    if status in FocusSession.ENDED:
        session = services.session_clock_out(user_id=user_id, session_id=session.pk, now=start + timedelta(minutes=60))
    if status == FocusSession.Status.ENDED_CONFIRMED:
        session = services.session_confirm(user_id=user_id, session_id=session.pk)
    assert session.status == status
    return session
