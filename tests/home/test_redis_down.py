"""Redis stopped while the site serves: every public URL still answers, from the database, and
everything uses Redis again once it is back, without a restart.

The test starts its own redis-server on a free port (never the suite's shared one), points the
cache configured from ``REDIS_URL`` and the screens' push broker at it, and stops it mid-test.
"""

import json
import logging
import time

import pytest
import redis
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.utils import timezone

from kepuqingcheng import cache as resilient
from screens.provisioning import provision
from tests.content.factories import ArticlePageFactory
from tests.servers import RedisServer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(RedisServer.binary is None, reason="redis-server is not installed"),
]

EVENTS = "/api/v1/screens/events"


@pytest.fixture
def public_site(site_on_own_redis, site_tree):
    article = ArticlePageFactory(
        title="防范电信诈骗要点",
        summary="接到陌生电话要提高警惕。",
        audiences=["elderly"],
        topics=["防范电信诈骗"],
        regions=["150105"],
    )
    _screen, token = provision("中山路广场屏", "150105", "square")
    return article, token


def public_urls(article):
    return [
        "/",
        "/kepu/",
        "/kepu/?audience=elderly",
        article.url,
        "/search/?q=诈骗",
        "/api/v1/search?q=诈骗",
        "/feeds/rss/",
        "/feeds/atom/",
        "/feeds/json/",
        "/feeds/rss/?audience=elderly",
        "/feeds/",
        "/api/v1/content",
        f"/api/v1/content/{article.pk}",
    ]


def screen_requests(token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    manifest = client.get("/api/v1/screens/manifest")
    conditional = client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=manifest["ETag"])
    heartbeat = client.post(
        "/api/v1/screens/heartbeat",
        json.dumps({"player_version": "1.0", "client_time": timezone.now().isoformat()}),
        content_type="application/json",
    )
    ticket = client.post("/api/v1/screens/events/ticket")
    return {
        "manifest": manifest.status_code,
        "manifest 304": conditional.status_code,
        "heartbeat": heartbeat.status_code,
        "ticket": ticket.status_code,
    }


def blocking_stream(token):
    response = Client().get(EVENTS, HTTP_AUTHORIZATION=f"Bearer {token}")
    frames = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response.status_code, frames


def async_stream(token):
    async def run():
        response = await AsyncClient().get(EVENTS, headers={"Authorization": f"Bearer {token}"})
        frames = b""
        if response.status_code == 200:
            async for chunk in response.streaming_content:
                frames += chunk
        return response.status_code, frames

    return async_to_sync(run)()


def redis_keys(server):
    return redis.Redis.from_url(server.url).dbsize()


def assert_site_answers(article, token, redis_up=True):
    client = Client()
    statuses = {url: client.get(url).status_code for url in public_urls(article)}
    assert statuses == dict.fromkeys(public_urls(article), 200)
    screens = screen_requests(token)
    # Without a shared cache the content generation is not remembered between requests, so an
    # unchanged manifest may be sent again in full: more work, the same answer.
    assert screens.pop("manifest 304") in ({304} if redis_up else {200, 304})
    assert screens == {"manifest": 200, "heartbeat": 200, "ticket": 200}
    for stream in (blocking_stream, async_stream):
        status, frames = stream(token)
        assert status == 200
        assert b"event: ready" in frames


def test_the_site_answers_while_redis_is_down_and_uses_it_again_when_back(
    public_site, site_on_own_redis, caplog
):
    article, token = public_site
    server = site_on_own_redis

    assert_site_answers(article, token)
    assert redis_keys(server) > 0, "the cache must really be the Redis server"
    assert Client().get("/readyz").status_code == 200

    server.stop()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kepuqingcheng.cache"):
        started = time.monotonic()
        assert_site_answers(article, token, redis_up=False)
        # Dozens of requests, many cache calls each: one log line, not one per call.
        cache_warnings = [r for r in caplog.records if r.name == "kepuqingcheng.cache"]
        assert len(cache_warnings) == 1
        assert "Redis cache unavailable" in cache_warnings[0].getMessage()

        ready = Client().get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["failed"] == ["cache"]
        # Only the streams wait (for the push subscription); pages cost no timeouts.
        assert time.monotonic() - started < 30

    server.start()
    time.sleep(resilient.PAUSE_SECONDS + 0.1)
    ready = Client().get("/readyz")
    assert ready.status_code == 200, ready.content
    assert redis_keys(server) == 0
    assert_site_answers(article, token)
    assert redis_keys(server) > 0, "the cache is used again once Redis is back"
