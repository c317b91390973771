"""PostgreSQL stopped while the site serves: what needs the database answers 503 with
Retry-After (JSON under /api/, a short Chinese page elsewhere), never a 500, and what is answered
from the cache (feeds, 304s) goes on as before; once the server is back, so is the site.

The test starts a PostgreSQL cluster of its own on a free port (never the suite's shared
server), migrates it, points the default connection of this test process at it, and stops it
mid-test. It needs Debian's PostgreSQL server binaries and the suite's PostgreSQL configuration;
otherwise it is skipped (see the marks below).
"""

import json

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import close_old_connections, connections
from django.db.utils import load_backend
from django.test import Client
from django.utils import timezone

from alerts import active
from kepuqingcheng.settings import environment
from screens.provisioning import provision
from tests.alerts.factories import issue, make_alert, make_person
from tests.content.factories import ArticlePageFactory
from tests.servers import PostgresServer, postgres_bin
from tests.site_tree import ensure_site_tree

pytestmark = [
    pytest.mark.skipif(
        postgres_bin() is None,
        reason="PostgreSQL server binaries (initdb, pg_ctl) are not installed",
    ),
    # Wagtail's search index model and its migrations choose their columns by the vendor of the
    # default connection when first imported, so a process that set up SQLite cannot build a
    # PostgreSQL schema; the PostgreSQL pass of the suite runs this test.
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs the suite's PostgreSQL configuration (DATABASE_URL=postgres://...)",
    ),
]


@pytest.fixture
def postgres_server():
    server = PostgresServer()
    try:
        server.init()
        server.start()
        with psycopg.connect(
            host="127.0.0.1", port=server.port, user="postgres", dbname="postgres", autocommit=True
        ) as admin:
            admin.execute("CREATE DATABASE kepu")
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def site_on_own_postgres(postgres_server, django_db_blocker, monkeypatch):
    """This process's default database connection, as DATABASE_URL would configure it, on our
    own server, migrated; the suite's own connection is put back afterwards."""
    monkeypatch.setenv("DATABASE_URL", f"postgres://postgres@127.0.0.1:{postgres_server.port}/kepu")
    config = connections.configure_settings(
        {"default": environment.database("DATABASE_URL", None)}
    )["default"]
    ours = load_backend(config["ENGINE"]).DatabaseWrapper(config, "default")
    with django_db_blocker.unblock():
        saved, saved_config = connections["default"], connections.settings["default"]
        # Django keeps one connection pool per alias for the whole process: the suite's pool
        # must not serve our wrapper, nor ours the suite afterwards (each is made again lazily).
        saved.close_pool()
        connections["default"], connections.settings["default"] = ours, config
        cache.clear()
        try:
            call_command("migrate", interactive=False, verbosity=0)
            yield postgres_server
        finally:
            ours.close()
            ours.close_pool()
            connections["default"], connections.settings["default"] = saved, saved_config
            cache.clear()


def heartbeat(client):
    body = {"player_version": "1.0", "client_time": timezone.now().isoformat()}
    return client.post(
        "/api/v1/screens/heartbeat", json.dumps(body), content_type="application/json"
    )


def assert_unavailable(response, api):
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    if api:
        assert response.json()["error"] == "service unavailable"
        assert "数据库暂时不可用" in response.json()["detail"][0]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert "服务暂时不可用" in response.content.decode()


def test_database_down_is_a_503_and_cached_answers_go_on(site_on_own_postgres, settings):
    ensure_site_tree()
    settings.ALERTS_CHECK_SECONDS = 0  # the banner reads the database on every page here
    drafter = make_person("drafter")
    alert = issue(make_alert(created_by=drafter, status="Exercise"), drafter)
    active.forget()
    article = ArticlePageFactory(title="燃气安全常识", audiences=["public"], topics=["安全"])
    _screen, token = provision("新华广场东屏", "150102", "square")
    browser = Client(raise_request_exception=False)
    player = Client(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False)

    # While the database answers: warm what the site keeps in its cache.
    assert browser.get("/search/", {"q": "燃气"}).status_code == 200
    assert browser.get("/api/v1/search", {"q": "燃气"}).status_code == 200
    feeds = {url: browser.get(url) for url in ("/feeds/rss/", "/feeds/json/", "/api/v1/content")}
    assert {response.status_code for response in feeds.values()} == {200}
    manifest = player.get("/api/v1/screens/manifest")
    assert manifest.status_code == 200
    assert heartbeat(player).status_code == 200
    assert browser.get(article.url).status_code == 200

    assert browser.get(article.url).content.decode().count(alert.headline) == 1

    site_on_own_postgres.stop()

    # The banner keeps the last alerts it read: a page served from the cache still warns.
    assert [shown.identifier for shown in active.active_alerts()] == [alert.identifier]

    # What needs the database: 503, JSON under /api/, a Chinese page elsewhere.
    assert_unavailable(browser.get("/search/", {"q": "燃气"}), api=False)
    assert_unavailable(browser.get("/search/", {"q": "新词"}), api=False)
    assert_unavailable(browser.get("/api/v1/search", {"q": "燃气"}), api=True)
    assert_unavailable(player.get("/api/v1/screens/manifest"), api=True)
    assert_unavailable(heartbeat(player), api=True)
    assert_unavailable(browser.get("/feeds/rss/", {"audience": "elderly"}), api=False)

    # What the cache answers is served as before.
    for url, response in feeds.items():
        again = browser.get(url)
        assert again.status_code == 200
        assert again.content == response.content
        conditional = browser.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert conditional.status_code == 304
    polled = player.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=manifest["ETag"])
    assert polled.status_code == 304
    # Pages: whatever needs a query is a 503 page, never a 500.
    for url in ("/", "/kepu/", article.url, "/feeds/"):
        response = browser.get(url)
        if response.status_code != 200:
            assert_unavailable(response, api=False)

    site_on_own_postgres.start()
    # What Django does at every request boundary, and the test client skips: drop the broken
    # connection so the next query opens a new one.
    close_old_connections()
    assert browser.get("/search/", {"q": "燃气"}).status_code == 200
    assert player.get("/api/v1/screens/manifest").status_code == 200
    assert heartbeat(player).status_code == 200
    assert browser.get("/readyz").status_code == 200
