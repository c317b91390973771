"""With REDIS_URL set, requests share one connection pool per process.

Django keeps a cache object per request context under ASGI, and each built its own connection
pool: every request opened (and SELECTed on) a new Redis connection. Counted on the Redis
server itself.

Under uvicorn each request starts from a fresh context, so it gets a new cache object; the test
client's requests share the calling test's context instead, so the test gives the cache handler
fresh storage before each request to serve them as uvicorn does.
"""

import pytest
import redis
from asgiref.local import Local
from asgiref.sync import async_to_sync
from django.core.cache import caches
from django.test import AsyncClient

from tests.content.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db

REQUESTS = 50


def connections_received(server):
    info = redis.Redis.from_url(server.url).info("stats")
    return info["total_connections_received"]


def test_fifty_asgi_requests_reuse_the_process_connection_pool(site_on_own_redis, site_tree):
    ArticlePageFactory(title="用电安全", audiences=["public"])
    urls = ["/", "/kepu/", "/feeds/rss/", "/api/v1/content"]

    async def serve(count):
        client = AsyncClient()
        statuses = set()
        for n in range(count):
            caches._connections = Local()
            response = await client.get(urls[n % len(urls)])
            statuses.add(response.status_code)
        return statuses

    assert async_to_sync(serve)(len(urls)) == {200}  # warm: fill the caches
    before = connections_received(site_on_own_redis)
    assert async_to_sync(serve)(REQUESTS) == {200}
    # One counting connection of ours, plus at most a few the pool opens for concurrent use.
    opened = connections_received(site_on_own_redis) - before - 1
    assert opened <= 4, f"{opened} Redis connections opened for {REQUESTS} requests"
