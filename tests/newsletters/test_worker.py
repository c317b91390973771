"""A real worker process (``manage.py run_tasks``, django-tasks-db) sending the ledger to the
real SMTP server, killed with SIGKILL mid-batch and started again: every message arrives, and
only a message that was in flight at the kill may arrive twice (with the same Message-ID)."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from newsletters import tasks
from newsletters.ledger import Delivery
from tests.content.test_shared_generation import database_url

from .ledger import queue, subscriber

ROOT = Path(__file__).resolve().parents[2]
COUNT = 40


def start_worker(mail_server, log_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kepuqingcheng.settings.test",
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "database",
        "NEWSLETTERS_BATCH_SIZE": "10",
        "NEWSLETTERS_CLAIM_SECONDS": "2",
        "PYTHONUNBUFFERED": "1",
        **mail_server.environ(),
    }
    log = open(log_path, "ab")  # noqa: SIM115 - closed after the process ends
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "run_tasks"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log = log
    return process


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout}s: {what}")


def statuses():
    return Counter(Delivery.objects.values_list("status", flat=True))


@pytest.fixture
def database_queue(settings):
    """This test enqueues into the database queue the worker reads."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_worker_killed_mid_send_resumes_and_resends_at_most_the_message_in_flight(
    transactional_db, mail_server, database_queue, tmp_path
):
    people = [subscriber(f"reader{n:02d}@example.cn") for n in range(COUNT)]
    queue(*people, subject="科普简报")
    mail_server.delay = 0.05  # each message takes the server 50 ms: the kill lands mid-batch
    log_path = tmp_path / "worker.log"

    tasks.deliver.enqueue()
    worker = start_worker(mail_server, log_path)
    try:
        wait_until(lambda: mail_server.accepted >= 12, 60, "the worker started sending")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        at_kill = statuses()
        # killed mid-batch: rows it had claimed are left "sending", the rest still queued
        assert at_kill["sending"] >= 1, at_kill
        assert at_kill["sent"] < COUNT

        worker = start_worker(mail_server, log_path)
        wait_until(lambda: statuses() == {"sent": COUNT}, 90, "every delivery was sent")
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(20)
        worker.log.close()

    received = Counter(message.recipients[0] for message in mail_server.messages)
    assert set(received) == {person.email for person in people}
    repeated = [address for address, times in received.items() if times > 1]
    assert len(repeated) <= 1, (repeated, log_path.read_text())
    assert sum(received.values()) <= COUNT + 1
    for address in repeated:
        ids = {message.message["Message-ID"] for message in mail_server.to(address)}
        assert len(ids) == 1
    log = log_path.read_text()
    assert "Traceback" not in log, log
