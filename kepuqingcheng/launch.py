"""`make run`: the web server and the background worker as one command.

    python -m kepuqingcheng.launch [--host 127.0.0.1] [--port 8000] [uvicorn options…]

Starts uvicorn (serving kepuqingcheng.asgi), `manage.py run_worker` (scheduled publishing and
the other periodic jobs) and `manage.py run_tasks` (background tasks: newsletter delivery,
WebSub) as child processes. When the server ends, or on Ctrl-C / SIGTERM, all are stopped and
the launcher exits with the server's status. A worker that dies is restarted after a pause, so
publishing and sending never silently stop while the site is served.

Ctrl-C in a terminal reaches every process of the foreground group, so the children usually
stop on their own; a signal sent to the launcher alone is passed on after a short grace period.
In production run the three as separate services instead (README).
"""

import argparse
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 2
KILL_AFTER_SECONDS = 10
WORKER_RESTART_SECONDS = 5


def say(message):
    print(f"[launch] {message}", file=sys.stderr, flush=True)  # noqa: T201


def start(command):
    return subprocess.Popen(command, cwd=ROOT)  # noqa: S603 - our own interpreter and modules


def server_command(host, port, extra):
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "kepuqingcheng.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        *extra,
    ]


def worker_commands():
    """{name: command} of the workers run beside the server: periodic jobs and background
    tasks (``run_tasks`` is django-tasks-db's worker, or idle where TASKS runs them elsewhere)."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    return {"worker": [*manage, "run_worker"], "tasks worker": [*manage, "run_tasks"]}


def stop_all(processes, first_signal):
    """Ask, wait, then insist: what is still running gets ``first_signal``, then SIGKILL."""
    deadline = time.monotonic() + GRACE_SECONDS
    for escalation in (first_signal, signal.SIGKILL, None):
        for process in processes:
            while process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
        running = [process for process in processes if process.poll() is None]
        if not running or escalation is None:
            break
        for process in running:
            process.send_signal(escalation)
        deadline = time.monotonic() + KILL_AFTER_SECONDS
    for process in processes:
        process.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m kepuqingcheng.launch",
        description="Serve the site and run the background worker; unknown options go to uvicorn.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args, extra = parser.parse_known_args(argv)

    stop = threading.Event()
    received = []

    def request_stop(signum, frame):
        received.append(signum)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    server = start(server_command(args.host, args.port, extra))
    commands = worker_commands()
    workers = {name: start(command) for name, command in commands.items()}
    pids = ", ".join(f"{name} pid {process.pid}" for name, process in workers.items())
    say(f"web server pid {server.pid}, {pids}")
    restart_at = {}
    while not stop.wait(0.2):
        if server.poll() is not None:
            say(f"web server exited with status {server.returncode}")
            break
        for name, process in workers.items():
            if process.poll() is not None and name not in restart_at:
                say(f"{name} exited with status {process.returncode}; restarting it")
                restart_at[name] = time.monotonic() + WORKER_RESTART_SECONDS
        for name, at in list(restart_at.items()):
            if time.monotonic() >= at:
                workers[name] = start(commands[name])
                say(f"{name} pid {workers[name].pid}")
                del restart_at[name]

    # SIGINT from a terminal reached the children too: give them the grace period to stop by
    # themselves first. SIGTERM (a service manager) reached only us, and a server that ended
    # left the worker running: pass SIGTERM on now.
    first = signal.SIGINT if received[:1] == [signal.SIGINT] else signal.SIGTERM
    children = [server, *workers.values()]
    if first == signal.SIGTERM:
        for process in children:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
    stop_all(children, first)
    say("stopped")
    return server.returncode if server.returncode and server.returncode > 0 else 0


if __name__ == "__main__":
    sys.exit(main())
