"""Periodic jobs: a small registry, and the loop that ``manage.py run_worker`` runs.

An app registers a job in its ``AppConfig.ready()``::

    periodic.register("publish_scheduled", publish_scheduled, interval_setting="…", default=30)

A job is a plain function taking no arguments; it returns a short summary of what it did, or
a false value when there was nothing to do, so the log shows one line per run that changed
something and stays quiet otherwise. Each job keeps its own interval. A job that raises is
logged with its traceback and tried again at its next interval; it never stops the loop or the
other jobs. The loop stops between jobs when asked (SIGTERM / SIGINT in the command), so a job
is never cut off halfway.

Run exactly one worker per site: jobs are not locked against a second worker doing the same.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    function: Callable[[], object]
    interval_setting: str
    default_interval: float

    @property
    def interval(self):
        return float(getattr(settings, self.interval_setting, self.default_interval))


_registry: dict[str, PeriodicJob] = {}


def register(name, function, *, interval_setting, default):
    """Add (or replace, so a re-import does not run a job twice) the job called ``name``."""
    _registry[name] = PeriodicJob(name, function, interval_setting, default)


def registered_jobs():
    return dict(_registry)


def run_job(job, interval=None):
    """Run one job once: its summary, or None when it did nothing or failed (failure is logged)."""
    # A worker lives for months: drop a connection the database closed since the last run.
    close_old_connections()
    started = time.monotonic()
    try:
        summary = job.function()
    except Exception:
        retry = interval or job.interval
        logger.exception("periodic job %s failed; next try in %g s", job.name, retry)
        return None
    finally:
        close_old_connections()
    if summary:
        logger.info("%s (%.2f s): %s", job.name, time.monotonic() - started, summary)
    return summary or None


def run_forever(jobs, stop, intervals=None):
    """Run each job at once and then every interval until the ``stop`` event is set.

    ``intervals`` maps job names to seconds that override the settings for this run. A job that
    overruns its interval runs again right after, without piling up missed runs.
    """
    intervals = intervals or {}
    due = {job.name: time.monotonic() for job in jobs}
    while not stop.is_set():
        now = time.monotonic()
        for job in jobs:
            if stop.is_set():
                break
            if due[job.name] <= now:
                interval = intervals.get(job.name, job.interval)
                run_job(job, interval)
                due[job.name] = max(now + interval, time.monotonic())
        stop.wait(max(0.0, min(due.values()) - time.monotonic()) if due else None)


def start_thread(jobs, intervals=None):
    """Run the loop in a daemon thread (tests, embedding); set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever, args=(jobs, stop, intervals), name="periodic-jobs", daemon=True
    )
    thread.start()
    return stop, thread
