"""Feed speed: a feed answered 200 (cached body), the same feed answered 304, and a static file
through whitenoise, on the same server, with 1,000 published items.

Migrates a throw-away SQLite database, fills it with 1,000 items of all four types, counts the
database queries of each kind of feed request in-process, then serves the site with uvicorn (one
process, as `make run` does) and measures requests/second in interleaved rounds over one
keep-alive connection, so the machine's load affects every URL alike. Targets: the 304 at least
0.5 of the static file with no database query; the second identical 200 not rendered again (no
query either). The same database is also served by a second uvicorn with ``REDIS_URL`` set (see
bench/serving.py), measured in the same rounds: the "Redis" columns, target at least 0.8 of
the in-process rate.

Then the cold-cache stampede: just after a content change, 50 clients ask for the same feed at
once; the p99 of their answer times, with concurrent misses rendering once (the default) and with
every miss rendering (``CACHE_STAMPEDE_LOCK=false``), on two servers side by side in interleaved
rounds.

    .venv/bin/python bench/feeds.py          # BENCH_SIZE=tiny: seconds, figures meaningless
"""

import http.client
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from harness import connect, get, prepare_site, servers, side_by_side, sized, verdict
from serving import redis_url

ITEMS = sized(1000, 20)
ROUNDS = sized(5, 1)
SECONDS_PER_TURN = sized(2.0, 0.2)
TARGET = 0.5
# The feed with the Redis cache (REDIS_URL) against the in-process cache.
REDIS_TARGET = 0.8
FEED = "/feeds/rss/?audience=elderly&audience=public"

SETUP = """
import datetime, json, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag
from content.models import ArticlePage, Audience, ContentPageTag, EmergencyGuidePage, Region
from tests.content import factories as f
from tests.site_tree import ensure_site_tree
ensure_site_tree()
# Plain add_child and bulk-created links: factories cost ~4x more per page and the bench must
# stay short. A few videos come from the factory for their media files.
articles, emergency = f.content_section(), f.emergency_section()
image = f.ImageFactory()
audiences = list(Audience.objects.order_by("pk"))
region = Region.objects.get(code="150102")
tag = Tag.objects.get(name="健康生活")
now = timezone.now()
pages = []
for n in range(%(items)d):
    when = now - datetime.timedelta(minutes=n)
    common = dict(title=f"科普内容{n:04d}", slug=f"item-{n:04d}", summary="摘要", live=True,
                  first_published_at=when, last_published_at=when, cover_image=image,
                  reviewed_by="王研究员")
    if n %% 10 == 0:
        page = f.VideoPageFactory(**common)
    elif n %% 3 == 0:
        page = emergency.add_child(instance=EmergencyGuidePage(
            hazard="sandstorm", phase="during", actions="关好门窗\\n减少外出\\n戴口罩", **common))
    else:
        page = articles.add_child(instance=ArticlePage(
            body=[("paragraph", "<p>科普青城数字化平台上线，市民随时学科学。</p>")], **common))
    pages.append(page)
for model in (ArticlePage, EmergencyGuidePage, f.models.VideoPage):
    group = [page for page in pages if isinstance(page, model)]
    key = model._meta.model_name + "_id"
    model.audiences.through.objects.bulk_create(
        [model.audiences.through(**{key: page.pk, "audience_id": audiences[page.pk %% 6].pk})
         for page in group])
    model.regions.through.objects.bulk_create(
        [model.regions.through(**{key: page.pk, "region_id": region.pk}) for page in group])
ContentPageTag.objects.bulk_create(
    [ContentPageTag(content_object_id=page.pk, tag=tag) for page in pages])
from content.generation import bump_generation
bump_generation()
# Each process reads the shared content generation at most once a second (content.generation,
# pinned by its tests); building 1,000 items takes longer, so keep it out of these counts.
from django.conf import settings
settings.CONTENT_GENERATION_CHECK_SECONDS = 3600
client = Client(HTTP_HOST="127.0.0.1")
counts = {}
for name, headers in [("first 200", {}), ("second 200", {}), ("304", None)]:
    if headers is None:
        headers = {"HTTP_IF_NONE_MATCH": etag}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(%(feed)r, **headers)
    etag = response["ETag"]
    counts[name] = {"status": response.status_code, "queries": len(queries),
                    "items": response.content.count(b"<item>")}
print(json.dumps(counts))
"""


def main():
    with tempfile.TemporaryDirectory(prefix="kepu-bench-feeds-") as tmp, redis_url() as redis:
        folder = Path(tmp)
        env, counted = prepare_site(folder, SETUP % {"items": ITEMS, "feed": FEED})
        query_counts = json.loads(counted)
        # The same database served twice: with the in-process cache, and with Redis.
        caches = {"in-process": env}
        if redis:
            caches["Redis"] = {**env, "REDIS_URL": redis}
        with servers(caches) as started:
            connections = {name: connect(port) for name, (_server, port) in started.items()}
            cases = {}
            for cache_name, connection in connections.items():
                etag = get(connection, FEED).getheader("ETag")
                cases[cache_name] = {
                    "feed 200": (FEED, {}, 200),
                    "feed 304": (FEED, {"If-None-Match": etag}, 304),
                    "static file": ("/static/css/site.css", {}, 200),
                }
            all_rates = side_by_side(connections, cases, rounds=ROUNDS, seconds=SECONDS_PER_TURN)
        cold = cold_stampede(env, folder)

    names = list(cases["in-process"])
    rates = {name: all_rates[name, "in-process"] for name in names}
    static = rates["static file"]
    print(f"{ITEMS} items, {ROUNDS} interleaved rounds of {SECONDS_PER_TURN:g} s per URL: {FEED}")
    with_redis = "Redis" in caches
    redis_header = f"{'Redis req/s':>13}{'Redis ÷ in-proc':>17}" if with_redis else ""
    print(f"{'request':<14}{'req/s':>10}{'÷ static':>11}{redis_header}")
    slow_with_redis = []
    for name, rate in rates.items():
        line = f"{name:<14}{rate:>10.1f}{rate / static:>11.2f}"
        if with_redis:
            redis_rate = all_rates[name, "Redis"]
            line += f"{redis_rate:>13.1f}{redis_rate / rate:>17.2f}"
            if name != "static file" and redis_rate / rate < REDIS_TARGET:
                slow_with_redis.append(name)
        print(line)
    print("database queries per request (in-process):")
    for name, result in query_counts.items():
        print(
            f"  {name:<12} status {result['status']}  queries {result['queries']:>3}"
            f"  items {result['items']}"
        )
    print_cold_stampede(cold)
    failed, broken = [], []
    if rates["feed 304"] / static < TARGET:
        failed.append(f"304 below {TARGET:.2f} of the static file")
    if query_counts["304"]["queries"] or query_counts["304"]["status"] != 304:
        broken.append("the 304 touched the database")
    if query_counts["second 200"]["queries"]:
        broken.append("the second identical 200 was rendered again")
    if slow_with_redis:
        slow = ", ".join(slow_with_redis)
        failed.append(f"with Redis below {REDIS_TARGET:.2f} of in-process: {slow}")
    print(
        f"target: 304 at least {TARGET:.2f} of the static file, 304 and cached 200 with 0 queries"
    )
    if with_redis:
        print(f"target: with Redis, the feed 200 and 304 at least {REDIS_TARGET:.2f} of in-process")
    verdict(failed, broken)


# -- Cold-cache stampede (issue 12, point 8) ------------------------------------------------------

COLD_CLIENTS = sized(50, 5)
COLD_ROUNDS = sized(4, 1)
COLD_TARGET = 2.0  # the lock must at least halve the cold p99
LOCK_FLAGS = (("lock off", "false"), ("lock on", "true"))


def change_content(database):
    """Raise the shared content generation as a commit in another process does (an import, an
    edit): every cached validator and body of the servers is stale once they notice, within a
    second."""
    with sqlite3.connect(database) as db:
        db.execute("UPDATE content_contentgeneration SET counter = counter + 1")


def cold_round(port):
    """Answer times of COLD_CLIENTS requests for FEED sent at once, in seconds."""
    barrier = threading.Barrier(COLD_CLIENTS)
    times = []

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.connect()
        barrier.wait()
        started = time.perf_counter()
        connection.request("GET", FEED)
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        if response.status != 200:
            sys.exit(f"{FEED} answered {response.status} on a cold cache")
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(COLD_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def cold_stampede(env, folder):
    """{"lock off": [...], "lock on": [...]} answer times over COLD_ROUNDS interleaved rounds."""
    envs = {name: {**env, "CACHE_STAMPEDE_LOCK": flag} for name, flag in LOCK_FLAGS}
    with servers(envs) as started:
        times = {name: [] for name in started}
        for _ in range(COLD_ROUNDS):
            for name, (_server, port) in started.items():
                change_content(folder / "bench.sqlite3")
                time.sleep(1.5)  # past the servers' once-a-second look at the generation
                times[name] += cold_round(port)
        return times


def p99(times):
    return statistics.quantiles(times, n=100)[98]


def print_cold_stampede(times):
    off, on = p99(times["lock off"]), p99(times["lock on"])
    print(
        f"cold feed, {COLD_CLIENTS} clients at once just after a change, {COLD_ROUNDS} rounds"
        f" ({len(times['lock on'])} answers per column):"
    )
    print(f"{'':<10}{'lock off':>10}{'lock on':>10}")
    for label, pick in (("median", statistics.median), ("p99", p99)):
        print(f"{label:<10}{pick(times['lock off']):>9.2f}s{pick(times['lock on']):>9.2f}s")
    print(f"cold p99 lock off / lock on: {off / on:.1f}x (target at least {COLD_TARGET:.1f}x)")
    if off / on < COLD_TARGET:
        print(f"missed: the stampede lock gained less than {COLD_TARGET:.1f}x on the cold p99")


if __name__ == "__main__":
    main()
