"""`make run`: the web server and the background worker as one command.

    python -m kepuqingcheng.launch [--host 127.0.0.1] [--port 8000] [uvicorn options…]

Starts uvicorn (serving kepuqingcheng.asgi) and `manage.py run_worker` (scheduled publishing and
the other periodic jobs) as child processes. When the server ends, or on Ctrl-C / SIGTERM, both
are stopped and the launcher exits with the server's status. A worker that dies is restarted
after a pause, so publishing never silently stops while the site is served.

Ctrl-C in a terminal reaches every process of the foreground group, so the children usually
stop on their own; a signal sent to the launcher alone is passed on after a short grace period.
In production run the two as separate services instead (README).
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


def worker_command():
    return [sys.executable, str(ROOT / "manage.py"), "run_worker"]


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
    worker = start(worker_command())
    say(f"web server pid {server.pid}, worker pid {worker.pid}")
    restart_at = None
    while not stop.wait(0.2):
        if server.poll() is not None:
            say(f"web server exited with status {server.returncode}")
            break
        if worker.poll() is not None and restart_at is None:
            say(f"worker exited with status {worker.returncode}; restarting it")
            restart_at = time.monotonic() + WORKER_RESTART_SECONDS
        if restart_at is not None and time.monotonic() >= restart_at:
            worker = start(worker_command())
            say(f"worker pid {worker.pid}")
            restart_at = None

    # SIGINT from a terminal reached the children too: give them the grace period to stop by
    # themselves first. SIGTERM (a service manager) reached only us, and a server that ended
    # left the worker running: pass SIGTERM on now.
    first = signal.SIGINT if received[:1] == [signal.SIGINT] else signal.SIGTERM
    if first == signal.SIGTERM:
        for process in (server, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
    stop_all([server, worker], first)
    say("stopped")
    return server.returncode if server.returncode and server.returncode > 0 else 0


if __name__ == "__main__":
    sys.exit(main())
