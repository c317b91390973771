"""Screen polls at city scale: 10,000 screens polling the manifest every 60 s (≈167 requests/s).

Migrates a throw-away SQLite database, adds 60 items of content and 10,000 screens with tokens,
counts database queries of a 304 poll in-process and times the rebuild of 1,000 screens'
manifests after one content change. Then serves the site with uvicorn (one process, as
`make run` does) and:

1. replays 20 s of the poll minute at a paced ≈167 requests/s (each request a different screen
   with the ETag it holds), first with the token cache cold (every poll falls back to the
   database, as right after a restart), then again for the same screens with it warm (steady
   operation, answered by screens.middleware): share of 304s, p50/p99 latency;
2. measures requests/second of the 304 path and of a static file in interleaved rounds over one
   keep-alive connection each, so the machine's load affects both alike. Target: ≥ 0.5×.

    .venv/bin/python bench/screens.py
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SCREENS = 10_000
REBUILD = 1_000
RATE = SCREENS / 60
SIMULATED_SECONDS = 10
ROUNDS = 4
SECONDS_PER_TURN = 2.0
TARGET = 0.5

SETUP = """
import datetime, json, time, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from content.models import Region
from content.generation import bump_generation
from screens import auth, manifest
from screens.models import Screen
from tests.content import factories as f
from tests.site_tree import ensure_site_tree
ensure_site_tree()
image = f.ImageFactory()
for n in range(60):
    kind = [f.ArticlePageFactory, f.EmergencyGuidePageFactory, f.ComicPageFactory][n %% 3]
    kind(title=f"科普内容{n:03d}", cover_image=image, regions=["150100"],
         first_published_at=timezone.now() - datetime.timedelta(minutes=n))
regions = list(Region.objects.filter(depth=2))
places = ["street", "square", "park", "station", "community"]
tokens = [auth.new_token() for _ in range(%(screens)d)]
Screen.objects.bulk_create([
    Screen(name=f"屏{n:05d}", region=regions[n %% len(regions)], place=places[n %% 5],
           token_hash=auth.hash_token(token))
    for n, token in enumerate(tokens)
], batch_size=1000)
ids = list(Screen.objects.order_by("pk").values_list("pk", flat=True))
client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")
etag = client.get("/api/v1/screens/manifest")["ETag"]
with CaptureQueriesContext(connection) as queries:
    status = client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=etag).status_code
bump_generation()  # one content change: every screen's manifest must be rebuilt
started = time.perf_counter()
for pk in ids[:%(rebuild)d]:
    manifest.manifest_for(pk)
rebuild = time.perf_counter() - started
json.dump(tokens, open(%(tokens)r, "w"))
print(json.dumps({"status_304": status, "queries_304": len(queries), "rebuild_seconds": rebuild}))
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(folder):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kepuqingcheng.settings.dev",
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    manage = [PYTHON, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    tokens_file = folder / "tokens.json"
    script = SETUP % {"screens": SCREENS, "rebuild": REBUILD, "tokens": str(tokens_file)}
    output = subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if output.returncode:
        sys.exit(f"setting up the bench data failed:\n{output.stderr[-3000:]}")
    return (
        env,
        json.loads(output.stdout.strip().splitlines()[-1]),
        json.loads(tokens_file.read_text()),
    )


def wait_until_up(port, server):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("uvicorn stopped before answering")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("uvicorn did not answer within 30 s")


def get(connection, path, headers):
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    return response


def simulate(port, tokens, etag):
    """Paced open loop: request i is sent at i / RATE seconds, by one of a few workers."""
    total = int(RATE * SIMULATED_SECONDS)
    results = [None] * total
    workers = 8
    start = time.perf_counter() + 0.2

    def work(offset):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for index in range(offset, total, workers):
            delay = start + index / RATE - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent = time.perf_counter()
            headers = {"Authorization": f"Bearer {tokens[index]}", "If-None-Match": etag}
            status = get(connection, "/api/v1/screens/manifest", headers).status
            results[index] = (status, time.perf_counter() - sent)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    latencies = sorted(latency for _, latency in results)
    return {
        "requests": total,
        "achieved_rate": total / elapsed,
        "share_304": sum(status == 304 for status, _ in results) / total,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def measure(connection, path, headers, expected, seconds):
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        status = get(connection, path, headers).status
        if status != expected:
            sys.exit(f"{path} answered {status}, expected {expected}")
        count += 1
    return count, time.perf_counter() - started


def main():
    with tempfile.TemporaryDirectory(prefix="kepu-bench-screens-") as tmp:
        folder = Path(tmp)
        env, setup, tokens = prepare(folder)
        port = free_port()
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "uvicorn",
                "kepuqingcheng.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_until_up(port, server)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            first = get(
                connection, "/api/v1/screens/manifest", {"Authorization": f"Bearer {tokens[-1]}"}
            )
            etag = first.getheader("ETag")
            # All bulk-created screens share config version 1, so one ETag is every screen's.
            simulation = simulate(port, tokens, etag)
            # The same screens again: their tokens are cached now, as in steady operation.
            warm_simulation = simulate(port, tokens, etag)
            # The first connection idled past uvicorn's keep-alive timeout meanwhile.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            cases = {
                "manifest 304": (
                    "/api/v1/screens/manifest",
                    {"Authorization": f"Bearer {tokens[0]}", "If-None-Match": etag},
                    304,
                ),
                "static file": ("/static/css/site.css", {}, 200),
            }
            for path, headers, expected in cases.values():  # warm up
                measure(connection, path, headers, expected, 0.3)
            totals = {name: [0, 0.0] for name in cases}
            for _ in range(ROUNDS):
                for name, (path, headers, expected) in cases.items():
                    count, elapsed = measure(connection, path, headers, expected, SECONDS_PER_TURN)
                    totals[name][0] += count
                    totals[name][1] += elapsed
        finally:
            server.terminate()
            server.wait(timeout=10)

    rates = {name: count / elapsed for name, (count, elapsed) in totals.items()}
    ratio = rates["manifest 304"] / rates["static file"]
    print(f"screens: {SCREENS:,} polling every 60 s → {RATE:.0f} requests/s")
    for label, result in (("token cache cold", simulation), ("token cache warm", warm_simulation)):
        print(
            f"simulated {SIMULATED_SECONDS} s, {label}: {result['requests']} polls at "
            f"{result['achieved_rate']:.0f}/s, 304 share {result['share_304']:.1%}, "
            f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms"
        )
    print(f"database queries per 304 (token cached): {setup['queries_304']}  (target 0)")
    for name, rate in rates.items():
        print(f"{name:>14}: {rate:8.0f} requests/s")
    print(f"manifest 304 / static file: {ratio:.2f}×  (target ≥ {TARGET}×)")
    print(
        f"rebuild after one content change: {REBUILD} screens in {setup['rebuild_seconds']:.2f} s "
        f"({setup['rebuild_seconds'] / REBUILD * 1000:.1f} ms per screen)"
    )


if __name__ == "__main__":
    main()
