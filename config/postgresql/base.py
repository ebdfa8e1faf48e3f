"""Django's PostgreSQL backend, with a persistent connection's health check that costs no query.

With CONN_HEALTH_CHECKS, Django checks a reused connection at the start of every request by
running `SELECT 1`: a round trip per request, a fifth of an interaction's. A connection the server
closed (a restart, `pg_terminate_backend`, an idle timeout) has always said so on its socket:
PostgreSQL sends its FATAL notice and closes, so the socket turns readable. An idle connection that
is fine has nothing to read. So the check here looks at the socket without waiting: nothing
readable, the connection is usable; something readable (a termination notice, a notification),
Django's `SELECT 1` decides as before.

What it cannot see, Django's check could not either without waiting: a peer that vanished without
closing (a network partition) is found by the first query, as it would be by `SELECT 1`.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        if not readable:
            return True
        return super().is_usable()
