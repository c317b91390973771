"""What the benches that compare the in-process cache with Redis share: a uvicorn per cache, and
the Redis server for the "Redis" column.

``BENCH_REDIS_URL`` names one (it is flushed); otherwise a throw-away ``redis-server`` is started
on a free loopback port and stopped afterwards. Without either, the column is left out.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def redis_url():
    """Yield a Redis URL for the bench, or None (with a message) when there is none."""
    url = os.environ.get("BENCH_REDIS_URL")
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        print("no redis-server and no BENCH_REDIS_URL: Redis column left out")
        yield None
        return
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="kepu-bench-redis-") as folder:
        command = [binary, "--save", "", "--appendonly", "no", "--port", str(port)]
        command += ["--bind", "127.0.0.1", "--dir", folder]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603
        try:
            deadline = time.monotonic() + 10
            while not _answers(port):
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.terminate()
            server.wait(10)


def start_uvicorn(app, env, *, factory=False):
    """(process, port): one uvicorn worker serving ``app`` as `make run` does."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", *(["--factory"] if factory else []), app]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    # Each server's connection waits while the other server is measured.
    command += ["--log-level", "warning", "--timeout-keep-alive", "60"]
    return subprocess.Popen(command, cwd=ROOT, env=env), port  # noqa: S603
