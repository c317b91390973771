"""Scheduled publishing and expiry happen: the worker (`manage.py run_worker`, started by `make
run`'s launcher) publishes pages whose go-live time has come and unpublishes expired ones, and an
expired page answers 404 on its own URL even before the worker gets to it."""

import datetime
import io
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from wagtail.models import PageLogEntry, Revision, Site

from content.generation import current_generation
from content.scheduling import publish_scheduled
from home import periodic
from tests.content.factories import ArticlePageFactory, EmergencyGuidePageFactory, publish

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = "第一条\n第二条\n第三条"


def seconds_from_now(seconds):
    return timezone.now() + datetime.timedelta(seconds=seconds)


def schedule(title, go_live_at):
    """A draft approved for publication at ``go_live_at``, as the review workflow leaves it."""
    page = ArticlePageFactory(title=title, live=False)
    page.go_live_at = go_live_at
    publish(page)
    page.refresh_from_db()
    assert not page.live
    assert Revision.objects.filter(object_id=str(page.pk), approved_go_live_at=go_live_at).exists()
    return page


def sleep_until(moment):
    time.sleep(max(0, (moment - timezone.now()).total_seconds()) + 0.1)


def expiring(title, expire_at):
    page = ArticlePageFactory(title=title)
    page.expire_at = expire_at
    publish(page)
    page.refresh_from_db()
    assert page.live
    return page


# --- between the worker's runs ---------------------------------------------------------------


def test_an_expired_page_answers_404_on_its_own_urls_before_the_worker_runs(client, site_tree):
    guide = EmergencyGuidePageFactory(title="即将下线的应急科普", actions=ACTIONS)
    guide.expire_at = seconds_from_now(4)
    publish(guide)
    article = expiring("即将下线的文章", guide.expire_at)
    urls = (article.url, guide.url, guide.url + "card/")
    for url in urls:
        assert client.get(url).status_code == 200, url  # and the routes are now cached

    # Expiry passes without a signal or a save: the pages are still live in the database.
    sleep_until(guide.expire_at)

    for url in urls:
        assert client.get(url).status_code == 404, url
    article.refresh_from_db()
    assert article.live


# --- the job ---------------------------------------------------------------------------------


def test_the_job_publishes_due_pages_unpublishes_expired_ones_and_listings_follow(
    client, site_tree
):
    moment = seconds_from_now(5)
    scheduled = schedule("定时发布的文章", moment)
    expired = expiring("到期下线的文章", moment)
    assert client.get(scheduled.url).status_code == 404
    listing = client.get("/kepu/").content.decode()
    assert "到期下线的文章" in listing and "定时发布的文章" not in listing
    assert publish_scheduled() == ""  # nothing due: nothing done, nothing logged
    sleep_until(moment)
    generation = current_generation()

    summary = publish_scheduled()

    assert f"published 1: content.ArticlePage#{scheduled.pk} 定时发布的文章" in summary
    assert f"unpublished expired 1: wagtailcore.Page#{expired.pk} 到期下线的文章" in summary
    scheduled.refresh_from_db()
    expired.refresh_from_db()
    assert scheduled.live and not expired.live and expired.expired
    # Wagtail's own publish path: its log entries and signals (which move the generation on).
    assert PageLogEntry.objects.filter(page=scheduled, action="wagtail.publish.scheduled").exists()
    assert PageLogEntry.objects.filter(page=expired, action="wagtail.unpublish.scheduled").exists()
    assert current_generation() != generation
    assert client.get(scheduled.url).status_code == 200
    listing = client.get("/kepu/").content.decode()
    assert "定时发布的文章" in listing and "到期下线的文章" not in listing
    assert publish_scheduled() == ""


def test_one_object_that_fails_does_not_stop_the_others(site_tree, caplog):
    # Both pages must still be drafts when the second is scheduled: on a loaded machine making
    # them has taken more than 3 s, and the second was then published at once.
    moment = seconds_from_now(6)
    first = schedule("第一篇", moment)
    second = schedule("第二篇", moment)
    # A data fix gave the first one's approved revision a sibling's slug: it cannot be published.
    broken = Revision.objects.get(object_id=str(first.pk), approved_go_live_at__isnull=False)
    broken.content["slug"] = ArticlePageFactory(title="占用地址").slug
    broken.save(update_fields=["content"])
    sleep_until(moment)

    with caplog.at_level(logging.ERROR, logger="content.scheduling"):
        summary = publish_scheduled()

    assert summary == f"published 1: content.ArticlePage#{second.pk} 第二篇"
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.live and not first.live
    assert f"could not publish wagtailcore.Revision#{broken.pk}" in caplog.text


# --- the loop --------------------------------------------------------------------------------


def test_the_loop_runs_each_job_at_its_interval_and_survives_a_failing_one(caplog):
    runs = {"busy": 0, "idle": 0}

    def busy():
        runs["busy"] += 1
        return f"did {runs['busy']}"

    def idle():
        runs["idle"] += 1

    def broken():
        raise RuntimeError("the feed server is down")

    jobs = [
        periodic.PeriodicJob("busy", busy, "UNSET_SETTING", 0.1),
        periodic.PeriodicJob("idle", idle, "UNSET_SETTING", 0.1),
        periodic.PeriodicJob("broken", broken, "UNSET_SETTING", 0.1),
        periodic.PeriodicJob("slow", idle, "UNSET_SETTING", 60),
    ]
    with caplog.at_level(logging.INFO, logger="home.periodic"):
        stop, thread = periodic.start_thread(jobs, intervals={"slow": 3600})
        time.sleep(1)
        stop.set()
        thread.join(2)

    assert not thread.is_alive()
    assert runs["busy"] >= 3 and runs["idle"] >= 3 + 1  # "slow" ran once, at the start
    assert runs["busy"] <= 15  # at its interval, not in a tight loop
    records = [r for r in caplog.records if r.name == "home.periodic"]
    failures = [r for r in records if r.levelno == logging.ERROR]
    assert len(failures) >= 3 and all(r.exc_info for r in failures)
    assert "periodic job broken failed" in failures[0].getMessage()
    done = [r.getMessage() for r in records if r.levelno == logging.INFO]
    assert len(done) == runs["busy"] and done[0].startswith("busy (") and "did 1" in done[0]


def test_publish_scheduled_is_registered_every_30_seconds_by_default(settings):
    job = periodic.registered_jobs()["publish_scheduled"]
    assert job.function is publish_scheduled
    assert job.interval == 30
    settings.PUBLISH_SCHEDULED_SECONDS = 10
    assert job.interval == 10


def test_run_worker_once_lists_and_refuses_unknown_jobs(transactional_db, site_tree, caplog):
    # transactional_db: the worker drops database connections between jobs, as a long-lived
    # process must, which would end the transaction the plain db fixture wraps a test in.
    moment = seconds_from_now(2)
    scheduled = schedule("一次运行", moment)
    out = io.StringIO()
    call_command("run_worker", "--list", "--interval", "publish_scheduled=5", stdout=out)
    assert "publish_scheduled\tevery 5 s (PUBLISH_SCHEDULED_SECONDS)" in out.getvalue()
    with pytest.raises(CommandError, match="unknown job"):
        call_command("run_worker", "--once", "--interval", "digest=5")
    sleep_until(moment)

    with caplog.at_level(logging.INFO, logger="home.periodic"):
        call_command("run_worker", "--once")

    scheduled.refresh_from_db()
    assert scheduled.live
    assert f"published 1: content.ArticlePage#{scheduled.pk} 一次运行" in caplog.text


# --- the real processes ----------------------------------------------------------------------


class SharedDatabase:
    """What this test wrote, where a subprocess can read and change it.

    On PostgreSQL the test database itself (the test commits: transactional_db). SQLite's test
    database lives in this process's memory, so it is copied to a file the subprocesses use,
    and page state is then read back from that file."""

    def __init__(self, directory):
        self.sqlite_path = directory / "shared.sqlite3" if connection.vendor == "sqlite" else None

    def url(self):
        if self.sqlite_path is not None:
            connection.ensure_connection()
            target = sqlite3.connect(self.sqlite_path)
            connection.connection.backup(target)
            target.close()
            return f"sqlite:///{self.sqlite_path}"
        assert connection.vendor == "postgresql"
        params = connection.settings_dict
        credentials = quote(params["USER"] or "", safe="")
        if params["PASSWORD"]:
            credentials += ":" + quote(params["PASSWORD"], safe="")
        host = f"{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
        return f"postgres://{credentials}@{host}/{params['NAME']}"

    def page_state(self, pk):
        query = "SELECT live, expired FROM wagtailcore_page WHERE id = %s"
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path) as database:
                row = database.execute(query.replace("%s", "?"), [pk]).fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute(query, [pk])
                row = cursor.fetchone()
        return {"live": bool(row[0]), "expired": bool(row[1])}


@pytest.fixture
def shared_database(transactional_db, site_tree, tmp_path):
    yield SharedDatabase(tmp_path)
    # The subprocesses cached Wagtail's site root paths (ids of this test's site) in a shared
    # Redis for an hour; the flush after this test sends no signal that would clear them.
    Site.clear_site_root_paths_cache()


def start(command, database_url, log_path, **extra_env):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kepuqingcheng.settings.test",
        "DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    log = open(log_path, "wb")  # noqa: SIM115 - closed by stop()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    process.log = log
    return process


def stop(process, signum=signal.SIGTERM, timeout=20):
    """Signal the process and return its exit status (None if it had to be killed)."""
    status = None
    if process.poll() is None:
        process.send_signal(signum)
    try:
        status = process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.log.close()
    return status


def wait_for(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    pytest.fail(message)


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our live server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Generous bounds for a loaded machine; the workers below run the job every second.
WITHIN_SECONDS = 45


def test_the_worker_process_publishes_and_expires_on_time_and_stops_cleanly(
    shared_database, tmp_path
):
    scheduled = schedule("定时上线", seconds_from_now(4))
    expiring_page = expiring("定时下线", seconds_from_now(4))
    database_url = shared_database.url()
    log_path = tmp_path / "worker.log"
    worker = start(
        [sys.executable, "manage.py", "run_worker", "--interval", "publish_scheduled=1"],
        database_url,
        log_path,
    )
    try:
        wait_for(
            lambda: (
                shared_database.page_state(scheduled.pk)["live"]
                and not shared_database.page_state(expiring_page.pk)["live"]
            ),
            WITHIN_SECONDS,
            "the worker did not publish and expire on time",
        )
        assert timezone.now() >= scheduled.go_live_at  # not before its time
        assert shared_database.page_state(expiring_page.pk)["expired"]
    finally:
        status = stop(worker, signal.SIGTERM)
    log = log_path.read_text()
    assert status == 0, log
    assert "worker started: publish_scheduled every 1 s" in log
    assert f"#{scheduled.pk} 定时上线" in log and f"#{expiring_page.pk} 定时下线" in log
    assert "worker stopping (SIGTERM)" in log and "worker stopped" in log
    assert "Traceback" not in log


def test_make_run_serves_the_site_with_the_worker_and_stops_both(shared_database, tmp_path):
    makefile = (ROOT / "Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "-m kepuqingcheng.launch --host 127.0.0.1 --port $(PORT)" in run_recipe

    scheduled = schedule("启动后上线", seconds_from_now(8))
    expiring_page = expiring("启动后下线", seconds_from_now(8))
    database_url = shared_database.url()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "launch.log"
    launcher = start(
        [sys.executable, "-m", "kepuqingcheng.launch", "--port", str(port), "--no-access-log"],
        database_url,
        log_path,
        PUBLISH_SCHEDULED_SECONDS="1",
    )
    try:
        wait_for(lambda: status_of(base + "/healthz") == 200, 60, "the site did not come up")
        if timezone.now() < scheduled.go_live_at - datetime.timedelta(seconds=1):
            assert status_of(base + scheduled.url) == 404
            assert status_of(base + expiring_page.url) == 200
        wait_for(
            lambda: status_of(base + scheduled.url) == 200,
            WITHIN_SECONDS,
            "the scheduled page did not go live",
        )
        assert status_of(base + expiring_page.url) == 404
        wait_for(
            lambda: not shared_database.page_state(expiring_page.pk)["live"],
            WITHIN_SECONDS,
            "the expired page was not unpublished",
        )
    finally:
        # Only the launcher is signalled, as `kill -INT` would: it must stop its children.
        status = stop(launcher, signal.SIGINT)
    log = log_path.read_text()
    assert status == 0, log
    started = r"web server pid (\d+), worker pid (\d+), tasks worker pid (\d+)"
    pids = re.search(started, log).groups()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)
    assert "worker started: publish_scheduled every 1 s" in log
    assert "worker stopped" in log and "[launch] stopped" in log
