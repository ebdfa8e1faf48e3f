"""The PostgreSQL backend's health check of a persistent connection: no query while the connection
is quiet, and a connection the server closed is still found and replaced."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connections
from django.db.backends.postgresql import base as django_postgresql

pytestmark = pytest.mark.django_db


@pytest.fixture
def wrapper():
    """A connection of its own (not the test's transaction), as a web process holds one."""
    own = connections.create_connection("default")
    own.ensure_connection()
    yield own
    own.close()


def server_connection(wrapper):
    params = wrapper.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params, autocommit=True)


def until_readable(wrapper, seconds=5.0):
    import select

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if select.select([wrapper.connection.fileno()], [], [], 0.05)[0]:
            return
    raise AssertionError("the server sent nothing on the connection")


def test_the_backend_is_the_projects(wrapper):
    assert wrapper.settings_dict["ENGINE"] == "config.postgresql"
    assert wrapper.vendor == "postgresql"


def test_a_quiet_connection_is_usable_without_a_query(wrapper, monkeypatch):
    def no_query(self):
        raise AssertionError("the health check ran a query")

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", no_query)
    assert wrapper.is_usable() is True


def test_a_connection_the_server_closed_is_not_usable_and_is_replaced(wrapper):
    pid = wrapper.connection.info.backend_pid
    with server_connection(wrapper) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    until_readable(wrapper)
    assert wrapper.is_usable() is False

    # What Django does at the start of a request with CONN_HEALTH_CHECKS on.
    wrapper.health_check_enabled = True
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_something_to_read_on_a_live_connection_is_checked_with_a_query(wrapper):
    with wrapper.cursor() as cursor:
        cursor.execute("LISTEN guildhall_health_test")
    with server_connection(wrapper) as other:
        other.execute("NOTIFY guildhall_health_test")
    until_readable(wrapper)
    assert wrapper.is_usable() is True


def test_a_closed_connection_is_not_usable(wrapper):
    wrapper.connection.close()
    assert wrapper.is_usable() is False
