"""The embedded default's SQLite backend keeps closed connections open for the next request
(kepuqingcheng/pooled_sqlite3): reused when clean, never across a re-made file, never dirty."""

import os
import subprocess
import sys

import pytest
from django.db import DatabaseError

from kepuqingcheng.pooled_sqlite3 import base as pooled
from kepuqingcheng.settings.environment import database

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def make_wrapper(tmp_path, monkeypatch, django_db_blocker):
    monkeypatch.setenv("KEPU_TEST_POOL_DB", f"sqlite:///{tmp_path / 'pool.sqlite3'}")
    settings_dict = database("KEPU_TEST_POOL_DB", "")
    settings_dict.update(
        {"ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "TIME_ZONE": None, "TEST": {}}
    )
    settings_dict.setdefault("OPTIONS", {})
    made = []

    def make():
        wrapper = pooled.DatabaseWrapper(dict(settings_dict), alias="pool-test")
        made.append(wrapper)
        return wrapper

    # Its own database file, not the suite's: pytest-django's guard does not concern it.
    with django_db_blocker.unblock():
        yield make
        for wrapper in made:
            wrapper.close()
    pooled.pool.clear()


def test_the_embedded_default_uses_the_pooled_backend(monkeypatch):
    monkeypatch.setenv("KEPU_TEST_POOL_DB", "sqlite:////tmp/x.sqlite3")
    assert database("KEPU_TEST_POOL_DB", "")["ENGINE"] == "kepuqingcheng.pooled_sqlite3"


def test_a_closed_connection_serves_the_next_request_already_set_up(make_wrapper):
    first = make_wrapper()
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE note (text TEXT)")
    raw = first.connection
    first.close()
    second = make_wrapper()
    with second.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"  # the init command ran once and still holds
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    assert second.connection is raw


def test_an_open_transaction_is_rolled_back_before_reuse(make_wrapper):
    setup = make_wrapper()
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE note (text TEXT)")
    setup.close()
    writer = make_wrapper()
    writer.set_autocommit(False)
    with writer.cursor() as cursor:
        cursor.execute("INSERT INTO note VALUES ('half-written')")
    raw = writer.connection
    writer.close()  # as a request that failed mid-transaction ends
    reader = make_wrapper()
    with reader.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM note")
        assert cursor.fetchone()[0] == 0
    assert reader.connection is raw and not raw.in_transaction


def test_a_connection_that_saw_an_error_is_closed_not_kept(make_wrapper):
    failing = make_wrapper()
    with pytest.raises(DatabaseError), failing.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    raw = failing.connection
    failing.close()  # as Django closes a connection it has doubts about
    assert pooled.pool.idle_count() == 0
    with pytest.raises(Exception, match="closed"):
        raw.execute("SELECT 1")


def test_a_re_made_database_file_is_never_answered_by_an_old_connection(make_wrapper):
    old = make_wrapper()
    with old.cursor() as cursor:
        cursor.execute("CREATE TABLE note (text TEXT)")
        cursor.execute("INSERT INTO note VALUES ('old file')")
    name = old.settings_dict["NAME"]
    old.close()
    assert pooled.pool.idle_count() == 1
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{name}{suffix}"):
            os.remove(f"{name}{suffix}")
    fresh = make_wrapper()
    with fresh.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'note'")
        assert cursor.fetchone()[0] == 0


def test_a_kept_connection_sees_what_another_process_committed(make_wrapper):
    first = make_wrapper()
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE note (text TEXT)")
    name = first.settings_dict["NAME"]
    first.close()
    script = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute(\"INSERT INTO note VALUES ('from a worker')\"); c.commit()"
    )
    subprocess.run([sys.executable, "-c", script, str(name)], check=True)  # noqa: S603
    later = make_wrapper()
    with later.cursor() as cursor:
        cursor.execute("SELECT text FROM note")
        assert cursor.fetchall() == [("from a worker",)]
    assert pooled.pool.idle_count() == 0  # it was the kept connection


def test_the_pool_keeps_a_bounded_number_of_idle_connections(make_wrapper):
    wrappers = [make_wrapper() for _ in range(pooled.MAX_IDLE + 3)]
    for wrapper in wrappers:
        wrapper.ensure_connection()
    for wrapper in wrappers:
        wrapper.close()
    assert pooled.pool.idle_count() == pooled.MAX_IDLE
