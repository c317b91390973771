"""The Redis server for the benches' "Redis" column: in-process cache vs Redis, side by side.

``BENCH_REDIS_URL`` names one (it is flushed); otherwise a throw-away ``redis-server`` is started
on a free loopback port and stopped afterwards. Without either, the column is left out.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time


def _free_port():
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
    port = _free_port()
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
