"""The Redis cache backend used when ``REDIS_URL`` is set (see ``settings.environment.cache``).

Django's ``RedisCache`` with two changes:

- **A stopped Redis is a cache miss, not a server error.** Every cache in this project holds
  only what can be rebuilt from the database, so a read that cannot reach Redis returns the
  default, and a write, add, delete or incr that cannot reach it is dropped (``add`` answers
  False, ``incr`` raises ValueError as for a missing key, as Django documents). Failures are
  logged at most once per ``LOG_INTERVAL`` with the count of calls that failed meanwhile. After
  a failure the backend does not call Redis again for ``PAUSE_SECONDS`` (a small circuit
  breaker), so a page making twenty cache calls while Redis is away waits for one refused
  connection, not twenty. The first call after the pause tries again: once Redis is back,
  everything uses it again without a restart. ``/readyz`` calls ``check()``, which bypasses
  all this and raises.
- **One connection pool per process.** Django keeps a cache object per thread, and under ASGI per
  request context, and each built its own pool: every request opened a new connection (and sent
  a SELECT). Pools, and the client objects on them, are kept here per server URL and options and
  shared by all of them.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 1.0
LOG_INTERVAL = 30.0

# {(url, options): redis.Redis client on its own connection pool}, shared by this process.
_clients = {}
_clients_lock = threading.Lock()


def _client_key(url, options):
    return (url, tuple(sorted((name, repr(value)) for name, value in options.items())))


class SharedPoolClient(RedisCacheClient):
    """Django's client, but with the process's pool and client object for each server.

    Building a ``redis.Redis`` took 0.5 ms on the bench machine (redis-py sets up its command
    callbacks each time), and Django built one per cache call, several per page; the client is
    thread-safe, so one per server serves every thread and request.
    """

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._shared = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._shared.get(index)
        if client is None:
            url = self._servers[index]
            shared_key = _client_key(url, self._pool_options)
            with _clients_lock:
                client = _clients.get(shared_key)
                if client is None:
                    pool = self._pool_class.from_url(url, **self._pool_options)
                    client = _clients[shared_key] = self._client(connection_pool=pool)
            self._shared[index] = client
        return client


class _Health:
    """Per server list and process: whether to skip Redis for now, and the log rate limit."""

    def __init__(self):
        self.lock = threading.Lock()
        self.paused_until = 0.0
        self.last_logged = None
        self.failures_since_log = 0
        self.down = False

    def failed(self, error, operation):
        now = time.monotonic()
        with self.lock:
            self.paused_until = now + PAUSE_SECONDS
            self.down = True
            self.failures_since_log += 1
            if self.last_logged is not None and now - self.last_logged < LOG_INTERVAL:
                return
            count, self.failures_since_log, self.last_logged = self.failures_since_log, 0, now
        logger.warning(
            "Redis cache unavailable (%s on %s: %s); treating cache calls as misses "
            "(%d failed calls since the last message)",
            type(error).__name__,
            operation,
            error,
            count,
        )

    def succeeded(self):
        if not self.down:
            return
        with self.lock:
            if not self.down:
                return
            self.down = False
            self.last_logged = None
            self.failures_since_log = 0
        logger.warning("Redis cache answers again")

    def paused(self):
        return time.monotonic() < self.paused_until


_health = {}
_health_lock = threading.Lock()


def _health_for(servers):
    key = tuple(servers)
    with _health_lock:
        return _health.setdefault(key, _Health())


_MISSING = object()


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolClient
        self._health = _health_for(self._servers)

    @property
    def _errors(self):
        from redis import exceptions

        # Connection refused or reset, timeouts, a replica in read-only mode, a server still
        # loading its data: Redis is away, not our request wrong. Other errors (a wrong type
        # under a key) are bugs and still raise.
        return (
            exceptions.ConnectionError,
            exceptions.TimeoutError,
            exceptions.ReadOnlyError,
            exceptions.BusyLoadingError,
            OSError,
        )

    def _guard(self, fallback, method, *args):
        if self._health.paused():
            return fallback
        try:
            result = method(self, *args)
        except self._errors as error:
            self._health.failed(error, method.__name__)
            return fallback
        self._health.succeeded()
        return result

    def check(self):
        """Write, read and delete one key, raising whatever Redis raises (for /readyz)."""
        import uuid

        key = f"readyz:{uuid.uuid4().hex}"
        RedisCache.set(self, key, "1", 5)
        answered = RedisCache.get(self, key) == "1"
        RedisCache.delete(self, key)
        self._health.succeeded()
        return answered

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, RedisCache.add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guard(default, RedisCache.get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard(None, RedisCache.set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, RedisCache.touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard(False, RedisCache.delete, key, version)

    def get_many(self, keys, version=None):
        return self._guard({}, RedisCache.get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard(False, RedisCache.has_key, key, version)

    def incr(self, key, delta=1, version=None):
        result = self._guard(_MISSING, RedisCache.incr, key, delta, version)
        if result is _MISSING:
            # What callers already handle: the key is not there.
            raise ValueError(f"Key '{key}' not found (Redis unavailable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that could not be stored.
        return self._guard(list(data), RedisCache.set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._guard(None, RedisCache.delete_many, keys, version)

    def clear(self):
        return self._guard(False, RedisCache.clear)
