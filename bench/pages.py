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

    .venv/bin/python bench/pages.py
"""

import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ITEMS = 60
ROUNDS = 5
SECONDS_PER_TURN = 1.5
COLD_HEADER = "X-Bench-Cold"
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
    content_url = (
        subprocess.run(
            [PYTHON, "-c", SETUP % {"items": ITEMS}],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return env, content_url


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


def application():
    """uvicorn --factory: the project's ASGI application, bumping the content generation first
    for requests that carry the cold header (so that they render as after a content change)."""
    from content.generation import bump_generation
    from kepuqingcheng.asgi import application as django_application

    cold = COLD_HEADER.lower().encode()

    async def app(scope, receive, send):
        if scope["type"] == "http" and any(name == cold for name, _ in scope["headers"]):
            bump_generation()
        await django_application(scope, receive, send)

    return app


def measure(connection, url, seconds):
    """Requests completed on ``url`` in ``seconds``; every one must be a 200."""
    path, cold = url
    headers = {COLD_HEADER: "1"} if cold else {}
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            sys.exit(f"{path} answered {response.status}")
        count += 1
    return count, time.perf_counter() - started


def start_server(env):
    from serving import start_uvicorn

    # bench/ is a namespace package: on sys.path itself, bench/search.py would shadow the
    # search app.
    server, port = start_uvicorn("bench.pages:application", env, factory=True)
    wait_until_up(port, server)
    return server, http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def main():
    from serving import redis_url

    with tempfile.TemporaryDirectory(prefix="kepu-bench-pages-") as tmp, redis_url() as redis:
        folder = Path(tmp)
        env, content_url = prepare(folder)
        # The same database served twice: with the in-process cache, and with Redis.
        caches = {"in-process": env}
        if redis:
            caches["Redis"] = {**env, "REDIS_URL": redis}
        servers = {}
        try:
            for cache_name, cache_env in caches.items():
                servers[cache_name] = start_server(cache_env)
            paths = {
                "/healthz": ("/healthz", False),
                "static file": ("/static/css/site.css", False),
                "home /": ("/", False),
                "listing": ("/kepu/?audience=elderly", False),
                "audience page": ("/for/youth/", False),
                "content page": (content_url, False),
                "home (cold)": ("/", True),
                "listing (cold)": ("/kepu/?audience=elderly", True),
                "content (cold)": (content_url, True),
            }
            for _server, connection in servers.values():
                for path in paths.values():  # warm up: renditions, template loading
                    measure(connection, path, 0.3)
            totals = {(name, cache): [0, 0.0] for name in paths for cache in servers}
            for _ in range(ROUNDS):
                for name, path in paths.items():
                    for cache_name, (_server, connection) in servers.items():
                        count, elapsed = measure(connection, path, SECONDS_PER_TURN)
                        totals[name, cache_name][0] += count
                        totals[name, cache_name][1] += elapsed
        finally:
            for server, _connection in servers.values():
                server.terminate()
                server.wait(timeout=10)

    rates = {key: count / elapsed for key, (count, elapsed) in totals.items()}
    health, static = rates["/healthz", "in-process"], rates["static file", "in-process"]
    print(f"{ITEMS} items, {ROUNDS} interleaved rounds of {SECONDS_PER_TURN:.1f} s per URL")
    with_redis = "Redis" in servers
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
    if failed:
        print("below target: " + ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
