"""``manage.py run_tasks``: the background-task worker for whatever ``TASKS`` names.

With the database queue (the default) this is django-tasks-db's ``db_worker`` on every queue.
With another backend the tasks run elsewhere (in the enqueuing process for ``immediate``, in
that system's own workers for a distributed queue), so this waits idle until stopped, and
`make run`'s launcher need not know which backend is configured.
"""

import signal
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db import DatabaseBackend


class Command(BaseCommand):
    help = "Run the background-task worker of the configured TASKS backend."

    def handle(self, **options):
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if isinstance(backend, DatabaseBackend):
            call_command(
                "db_worker",
                queue_name="*",
                interval=1,
                startup_delay=False,
                reload=False,
                verbosity=options["verbosity"],
            )
            return
        name = type(backend).__name__
        self.stdout.write(f"tasks run outside this worker ({name}); waiting until stopped")
        stopped = threading.Event()
        for received in (signal.SIGINT, signal.SIGTERM):
            signal.signal(received, lambda signum, frame: stopped.set())
        stopped.wait()
