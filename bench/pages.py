"""Public page speed: home, a listing and a content page against /healthz and a static file.

Migrates a throw-away SQLite database, fills it with 60 items of all four types (each with a
cover image), serves the site with uvicorn (one process, as `make run` does) and measures
requests/second for each URL in interleaved rounds over one keep-alive connection, so the
machine's load affects every URL alike. Prints each rate and its ratio to /healthz and to the
static file; the target is at least 0.25 of /healthz. The same database is also served by a
second uvicorn with ``REDIS_URL`` set (see bench/serving.py), measured in the same rounds:
the "Redis" columns, where the target is at least 0.8 of the in-process rate.

There is no whole-page or HTTP cache: every request goes through the middleware, routing and the
view, and renders the page template with the visitor's reading mode and navigation state. What
depends on content alone (routes, the site, filter choices, rendered card lists, page bodies) is
reused under the content generation, as in production (see content/generation.py). The
"(cold)" rows show the other extreme, each request just after a content change: the server
bumps the generation before every request carrying the X-Bench-Cold header. They are printed
for information; the target applies to the ordinary rows.

    .venv/bin/python bench/pages.py          # BENCH_SIZE=tiny: seconds, figures meaningless
"""

import tempfile
from pathlib import Path

from cold_app import COLD_HEADER
from harness import connect, prepare_site, servers, side_by_side, sized, verdict
from serving import redis_url

ITEMS = sized(60, 8)
ROUNDS = sized(5, 1)
SECONDS_PER_TURN = sized(1.5, 0.2)
TARGET = 0.25
# Pages with the Redis cache (REDIS_URL) against the in-process cache.
REDIS_TARGET = 0.8

SETUP = """
import datetime, django
django.setup()
from django.utils import timezone
from tests.content import factories as f
from tests.site_tree import ensure_site_tree
ensure_site_tree()
kinds = [f.ArticlePageFactory, f.VideoPageFactory, f.ComicPageFactory, f.EmergencyGuidePageFactory]
audiences = ["youth", "farmers", "workers", "elderly", "officials", "public"]
for n in range(%(items)d):
    kinds[n %% 4](
        title=f"科普内容{n:03d}",
        cover_image=f.ImageFactory(),
        audiences=[audiences[n %% 6]],
        topics=["健康生活"],
        regions=["150102"],
        first_published_at=timezone.now() - datetime.timedelta(hours=n),
    )
from content.models import ArticlePage
print(ArticlePage.objects.live().order_by("-first_published_at").first().url)
"""


def main():
    with tempfile.TemporaryDirectory(prefix="kepu-bench-pages-") as tmp, redis_url() as redis:
        env, content_url = prepare_site(Path(tmp), SETUP % {"items": ITEMS})
        # The same database served twice: with the in-process cache, and with Redis.
        caches = {"in-process": env}
        if redis:
            caches["Redis"] = {**env, "REDIS_URL": redis}
        cold = {COLD_HEADER: "1"}
        paths = {
            "/healthz": ("/healthz", {}, 200),
            "static file": ("/static/css/site.css", {}, 200),
            "home /": ("/", {}, 200),
            "listing": ("/kepu/?audience=elderly", {}, 200),
            "audience page": ("/for/youth/", {}, 200),
            "content page": (content_url, {}, 200),
            "home (cold)": ("/", cold, 200),
            "listing (cold)": ("/kepu/?audience=elderly", cold, 200),
            "content (cold)": (content_url, cold, 200),
        }
        with servers(caches, "bench.cold_app:application", factory=True) as started:
            connections = {name: connect(port) for name, (_server, port) in started.items()}
            rates = side_by_side(
                connections,
                dict.fromkeys(connections, paths),
                rounds=ROUNDS,
                seconds=SECONDS_PER_TURN,
            )

    health, static = rates["/healthz", "in-process"], rates["static file", "in-process"]
    print(f"{ITEMS} items, {ROUNDS} interleaved rounds of {SECONDS_PER_TURN:.1f} s per URL")
    with_redis = "Redis" in caches
    redis_header = f"{'Redis req/s':>13}{'Redis ÷ in-proc':>17}" if with_redis else ""
    print(f"{'url':<15}{'req/s':>10}{'÷ /healthz':>13}{'÷ static':>11}{redis_header}")
    failed = []
    for name in paths:
        rate = rates[name, "in-process"]
        line = f"{name:<15}{rate:>10.1f}{rate / health:>13.2f}{rate / static:>11.2f}"
        cached_page = name not in {"/healthz", "static file"} and "(cold)" not in name
        if with_redis:
            redis_rate = rates[name, "Redis"]
            line += f"{redis_rate:>13.1f}{redis_rate / rate:>17.2f}"
            if cached_page and redis_rate / rate < REDIS_TARGET:
                failed.append(f"{name} with Redis")
        print(line)
        if cached_page and rate / health < TARGET:
            failed.append(name)
    print(f"target: every page at least {TARGET:.2f} of /healthz (no page cache; cold rows: info)")
    if with_redis:
        print(f"target: with Redis, every page at least {REDIS_TARGET:.2f} of the in-process rate")
    verdict(failed, label="below target")


if __name__ == "__main__":
    main()
