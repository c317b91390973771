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

    .venv/bin/python bench/screens.py          # BENCH_SIZE=tiny: seconds, figures meaningless
"""

import http.client
import json
import tempfile
import threading
import time
from pathlib import Path

from harness import connect, get, prepare_site, servers, side_by_side, sized

SCREENS = sized(10_000, 300)
REBUILD = sized(1_000, 20)
RATE = SCREENS / 60
SIMULATED_SECONDS = sized(10, 1)
ROUNDS = sized(4, 1)
SECONDS_PER_TURN = sized(2.0, 0.2)
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


def prepare(folder):
    tokens_file = folder / "tokens.json"
    script = SETUP % {"screens": SCREENS, "rebuild": REBUILD, "tokens": str(tokens_file)}
    env, setup = prepare_site(folder, script)
    return env, json.loads(setup), json.loads(tokens_file.read_text())


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


def main():
    with tempfile.TemporaryDirectory(prefix="kepu-bench-screens-") as tmp:
        env, setup, tokens = prepare(Path(tmp))
        with servers({"site": env}) as started:
            _server, port = started["site"]
            connection = connect(port)
            first = get(
                connection, "/api/v1/screens/manifest", {"Authorization": f"Bearer {tokens[-1]}"}
            )
            etag = first.getheader("ETag")
            # All bulk-created screens share config version 1, so one ETag is every screen's.
            simulation = simulate(port, tokens, etag)
            # The same screens again: their tokens are cached now, as in steady operation.
            warm_simulation = simulate(port, tokens, etag)
            # The first connection idled past uvicorn's keep-alive timeout meanwhile.
            cases = {
                "manifest 304": (
                    "/api/v1/screens/manifest",
                    {"Authorization": f"Bearer {tokens[0]}", "If-None-Match": etag},
                    304,
                ),
                "static file": ("/static/css/site.css", {}, 200),
            }
            rates = side_by_side(
                {"site": connect(port)},
                {"site": cases},
                rounds=ROUNDS,
                seconds=SECONDS_PER_TURN,
            )

    rates = {name: rates[name, "site"] for name in cases}
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
