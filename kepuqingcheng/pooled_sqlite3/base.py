"""Django's SQLite backend, with the connections to a database file kept open and reused.

Under ASGI every request runs in a thread and a context of its own, so Django opens a new database
connection for each and closes it at the request's end. On SQLite that is not free: the schema
(several hundred tables and indexes) is parsed again on the first statement, and closing the last
connection to a WAL database checkpoints it. With a thousand screens acknowledging an alert at
once, that per-request work was most of the server's time. Here a closed connection goes back to
a small per-process pool and the next request takes it, already set up.

A connection is returned only when it is clean: its transaction rolled back, no database error
seen on it. The pool is keyed by the file and its inode, so a database file that was deleted and
made again (a test database, a restored backup) is never answered by a connection to the old one.
In-memory databases are left to Django as they are.
"""

import os
import threading
from collections import defaultdict

from django.db.backends.sqlite3 import base

# Idle connections kept per database file; more than that are closed as usual.
MAX_IDLE = 16


class _Pool:
    def __init__(self):
        self._lock = threading.Lock()
        self._idle = defaultdict(list)

    def take(self, key):
        with self._lock:
            idle = self._idle.get(key)
            return idle.pop() if idle else None

    def give(self, key, connection):
        """True when kept; False when the pool is full and the caller should close it."""
        with self._lock:
            idle = self._idle[key]
            if len(idle) >= MAX_IDLE:
                return False
            idle.append(connection)
            return True

    def clear(self):
        with self._lock:
            idle, self._idle = self._idle, defaultdict(list)
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def idle_count(self, key=None):
        with self._lock:
            if key is not None:
                return len(self._idle.get(key, ()))
            return sum(len(connections) for connections in self._idle.values())


pool = _Pool()


def _file_key(name):
    """(path, inode) of the database file, or None when it does not exist (yet)."""
    try:
        return (str(name), os.stat(name).st_ino)
    except (OSError, TypeError, ValueError):
        return None


class DatabaseWrapper(base.DatabaseWrapper):
    def _pool_key(self):
        if self.is_in_memory_db():
            return None
        return _file_key(self.settings_dict["NAME"])

    @base.async_unsafe
    def get_new_connection(self, conn_params):
        key = self._pool_key()
        if key is not None:
            connection = pool.take(key)
            if connection is not None:
                return connection
        return super().get_new_connection(conn_params)

    def _close(self):
        connection = self.connection
        key = None if connection is None or self.errors_occurred else self._pool_key()
        if key is not None:
            with self.wrap_database_errors:
                if connection.in_transaction:
                    connection.rollback()
            if pool.give(key, connection):
                return None
        return super()._close()
