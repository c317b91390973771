"""One render per cache key, however many requests miss it at once.

Just after a content change every cached fragment, feed validator and feed body is missing; fifty
readers of one feed arriving together would each render the same thousand items (a p99 of 13.6 s
was measured). ``get_or_render`` lets one of them render and the others wait for its result:

- in this process, behind a lock per cache key (sync views run in threads under ASGI as under
  WSGI), after which a waiter finds the value in the cache;
- across processes sharing Redis, behind a ``cache.add`` lock key that expires after
  ``LOCK_SECONDS``: a waiter in another process polls the cache every ``POLL_SECONDS`` and renders
  itself if the value has not come within ``WAIT_SECONDS`` or the lock went away without it (its
  holder died or failed). A cache that cannot be reached reads as "no lock", so nobody waits for
  a render that cannot be stored.

Every key here embeds the content generation, so reads and writes go through ``content.memo``,
which also keeps the value in this process when the cache is Redis.

``CACHE_STAMPEDE_LOCK = False`` (environment variable of the same name) turns the waiting off;
``bench/feeds.py`` uses it to measure the difference.
"""

import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache

from . import memo

LOCK_SECONDS = 10
WAIT_SECONDS = 5.0
POLL_SECONDS = 0.02
MISSING = object()


class _KeyLocks:
    """A lock per key, kept only while someone holds or waits for it."""

    def __init__(self):
        self._guard = threading.Lock()
        self._locks = {}  # key -> [lock, users]

    def acquire(self, key):
        with self._guard:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        entry[0].acquire()

    def release(self, key):
        with self._guard:
            entry = self._locks[key]
            entry[0].release()
            entry[1] -= 1
            if not entry[1]:
                del self._locks[key]


_locks = _KeyLocks()


def enabled():
    return getattr(settings, "CACHE_STAMPEDE_LOCK", True)


def get_or_render(key, render, timeout, keep=None):
    """The value cached under ``key``, or ``render()``'s, stored for ``timeout`` seconds unless
    ``keep(value)`` says otherwise; concurrent misses on one key render once."""
    value = memo.get(key, MISSING, timeout)
    if value is not MISSING:
        return value
    if not enabled():
        return _render_and_store(key, render, timeout, keep)
    _locks.acquire(key)
    try:
        value = memo.get(key, MISSING, timeout)
        if value is not MISSING:
            return value
        return _across_processes(key, render, timeout, keep)
    finally:
        _locks.release(key)


def _across_processes(key, render, timeout, keep):
    lock_key = f"{key}:rendering"
    owner = uuid.uuid4().hex
    if cache.add(lock_key, owner, LOCK_SECONDS):
        try:
            return _render_and_store(key, render, timeout, keep)
        finally:
            if cache.get(lock_key) == owner:
                cache.delete(lock_key)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        held = cache.get(lock_key) is not None  # before the value: a holder stores, then unlocks
        value = cache.get(key, MISSING)
        if value is not MISSING:
            return value
        if not held:
            break  # the other renderer finished without storing, or died
    return _render_and_store(key, render, timeout, keep)


def _render_and_store(key, render, timeout, keep):
    value = render()
    if keep is None or keep(value):
        memo.set(key, value, timeout)
    return value
