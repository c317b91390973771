"""The background worker: scheduled publishing and the other periodic jobs (home.periodic).

Runs until SIGTERM or SIGINT, finishing the job in progress first; a second signal stops it at
once. `make run` starts it beside the web server (kepuqingcheng/launch.py); in production it
is a process of its own (README: "Scheduled publishing and periodic jobs").
"""

import logging
import signal
import threading
from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError

from home import periodic

logger = logging.getLogger("home.periodic")


def _interval(text):
    name, separator, seconds = text.partition("=")
    try:
        value = float(seconds)
    except ValueError:
        value = 0
    if not separator or not name or not value > 0:
        raise ArgumentTypeError(f"expected JOB=SECONDS with SECONDS above 0, not {text!r}")
    return name, value


class Command(BaseCommand):
    help = "Run scheduled publishing and the other periodic jobs until stopped."
    # The checks import the whole URLconf and admin, which this process never serves, and slow
    # every (re)start; `make run`'s migrate and a deploy's `check --deploy` run them already.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            action="append",
            type=_interval,
            default=[],
            metavar="JOB=SECONDS",
            help="Run JOB every SECONDS for this run (repeatable); "
            "e.g. --interval publish_scheduled=10",
        )
        parser.add_argument(
            "--once", action="store_true", help="Run every job once and exit (for cron)."
        )
        parser.add_argument(
            "--list", action="store_true", dest="list_jobs", help="List the jobs and exit."
        )

    def handle(self, *args, interval, once, list_jobs, **options):
        jobs = periodic.registered_jobs()
        intervals = dict(interval)
        unknown = sorted(set(intervals) - set(jobs))
        if unknown:
            raise CommandError(f"unknown job(s): {', '.join(unknown)}; known: {', '.join(jobs)}")
        if list_jobs:
            for job in jobs.values():
                seconds = intervals.get(job.name, job.interval)
                self.stdout.write(f"{job.name}\tevery {seconds:g} s ({job.interval_setting})")
            return
        if once:
            for job in jobs.values():
                periodic.run_job(job)
            return

        stop = threading.Event()

        def request_stop(signum, frame):
            if stop.is_set():
                raise SystemExit(1)
            logger.info("worker stopping (%s)", signal.Signals(signum).name)
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        logger.info(
            "worker started: %s",
            ", ".join(
                f"{job.name} every {intervals.get(job.name, job.interval):g} s"
                for job in jobs.values()
            ),
        )
        periodic.run_forever(list(jobs.values()), stop, intervals)
        logger.info("worker stopped")
