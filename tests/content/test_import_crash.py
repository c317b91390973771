"""A killed import loses nothing: every page it committed is searchable after the next run.

A real ``manage.py import_content`` runs in a subprocess against the test database (copied to a
file and back on SQLite, whose test database lives in this process's memory; shared as it is on
PostgreSQL), is killed with SIGKILL once some pages have committed, and is run again."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from content.models import ArticlePage
from search.service import parse_params, run_search

pytestmark = pytest.mark.django_db(transaction=True)

LINES = 400
KILL_AFTER = 150  # committed pages: more than one indexing batch, fewer than the whole file
WORD = "停电演练"


class SharedDatabase:
    """The test database, reachable by a subprocess through ``env``."""

    def __init__(self, tmp_path):
        self.env = dict(os.environ, DJANGO_SETTINGS_MODULE="kepuqingcheng.settings.test")
        self.file = None
        if connection.vendor == "sqlite":
            self.file = tmp_path / "shared.sqlite3"
            connection.ensure_connection()
            with closing(sqlite3.connect(self.file)) as target:
                connection.connection.backup(target)
            self.env["DATABASE_URL"] = f"sqlite:///{self.file}"
        else:
            url = urlsplit(os.environ["DATABASE_URL"])
            name = connection.settings_dict["NAME"]
            self.env["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{name}"))

    def committed_pages(self):
        if self.file is None:
            return ArticlePage.objects.count()
        with closing(sqlite3.connect(self.file, timeout=20)) as db:
            return db.execute("SELECT count(*) FROM content_articlepage").fetchone()[0]

    def pull(self):
        """Make what the subprocess wrote visible to this test's connection."""
        if self.file is not None:
            with closing(sqlite3.connect(self.file)) as source:
                source.backup(connection.connection)


def import_command(path):
    return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "import_content", path]


def test_pages_committed_before_a_kill_are_searchable_after_the_next_run(site_tree, tmp_path):
    source = tmp_path / "export.jsonl"
    source.write_text(
        "\n".join(
            json.dumps(
                {
                    "external_id": f"drill-{n}",
                    "source": "断电测试",
                    "type": "article",
                    "title": f"{WORD}第{n}条",
                    "summary": "导入中途被 kill -9",
                    "audiences": ["public"],
                },
                ensure_ascii=False,
            )
            for n in range(LINES)
        ),
        encoding="utf-8",
    )
    shared = SharedDatabase(tmp_path)

    first = subprocess.Popen(  # noqa: S603 -- our own manage.py
        import_command(str(source)),
        env=shared.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while shared.committed_pages() < KILL_AFTER:
            assert first.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import did not get going"
            time.sleep(0.2)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    killed_at = shared.committed_pages()
    assert KILL_AFTER <= killed_at < LINES

    second = subprocess.run(  # noqa: S603
        import_command(str(source)),
        env=shared.env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().splitlines()[-1] == (
        f"created {LINES - killed_at}, updated 0, unchanged {killed_at}, failed 0"
    )
    shared.pull()
    assert ArticlePage.objects.live().count() == LINES
    found = run_search(parse_params(q=WORD, page_size=50), record=False)
    assert found.count == LINES
    for n in (0, killed_at - 1, killed_at, LINES - 1):  # either side of the kill
        hit = run_search(parse_params(q=f"{WORD}第{n}条"), record=False)
        assert f"{WORD}第{n}条" in [page.title for page in hit.results], n
