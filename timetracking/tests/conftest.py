import pytest
from django.utils import timezone

from timetracking.tests.factories import Clock


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """A frozen clock: django.utils.timezone.now returns clock.now until the test moves it."""
    frozen = Clock()
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen
