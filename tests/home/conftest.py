"""A Redis server of the test's own, and the site's cache configured on it as REDIS_URL does."""

import pytest

from kepuqingcheng.settings import environment
from screens import push
from tests.servers import RedisServer


@pytest.fixture
def redis_server():
    if RedisServer.binary is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def site_on_own_redis(redis_server, settings, monkeypatch):
    """The cache exactly as REDIS_URL configures it, on our own server."""
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    settings.CACHES = {"default": environment.cache("REDIS_URL")}
    settings.REDIS_URL = redis_server.url
    settings.SCREENS_EVENTS_KEEPALIVE_SECONDS = 0.2
    settings.SCREENS_EVENTS_MAX_SECONDS = 1
    yield redis_server
    # The push broker's listener would keep calling on the stopped server.
    push.get_broker().close()
