"""A small per-process memory in front of a shared cache, for values keyed on the generation.

A key that embeds the content generation (``content.generation``) names a value that never
changes: a content change moves the generation on, and readers ask for new keys. Such a value
can therefore be kept in this process as well as in the shared cache without ever being stale
under its key. With Redis, every cached page made one network round trip per fragment, the site
and the restriction check (five of its seven cache calls); this memory answers those from the
process, so cached pages run close to their rate with the in-process cache.

Only used when the default cache is not already in this process (``LocMemCache``). Bounded in
entries (``MEMO_ENTRIES``, least recently used dropped) and in time (``MEMO_SECONDS``, and never
longer than the value's own timeout, so what the shared cache lets expire, such as fragments
that must not outlive ``FRAGMENT_TIMEOUT``, expires here at most ``MEMO_SECONDS`` later). Long
strings (a whole feed body) are not kept, to bound the memory per process. Like Django's
``LocMemCache``, values other than strings and bytes are kept pickled, so every reader gets its
own copy and no request can change what another one reads.
"""

import pickle
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache

MEMO_ENTRIES = 512
MEMO_SECONDS = 30.0
LONGEST_KEPT = 256 * 1024  # characters or bytes

MISSING = object()

_lock = threading.Lock()
_entries = OrderedDict()  # key -> (expires at, on time.monotonic(); value)


def enabled():
    if not getattr(settings, "CONTENT_MEMO", True):
        return False
    return not isinstance(caches[DEFAULT_CACHE_ALIAS], LocMemCache)


def _remember(key, value, timeout):
    if isinstance(value, str | bytes) and len(value) > LONGEST_KEPT:
        return
    seconds = MEMO_SECONDS if timeout is None else min(MEMO_SECONDS, timeout)
    if seconds <= 0:
        return
    if not isinstance(value, str | bytes):
        value = _Pickled(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    with _lock:
        _entries[key] = (time.monotonic() + seconds, value)
        _entries.move_to_end(key)
        while len(_entries) > MEMO_ENTRIES:
            _entries.popitem(last=False)


def _recall(key):
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            return MISSING
        if entry[0] <= time.monotonic():
            del _entries[key]
            return MISSING
        _entries.move_to_end(key)
        value = entry[1]
    if isinstance(value, _Pickled):
        return pickle.loads(value.data)  # noqa: S301 - written by this process only
    return value


class _Pickled:
    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data


def get(key, default=None, timeout=None):
    """The value under ``key``: from this process if it holds it, else from the shared cache
    (then kept here for at most ``timeout`` seconds, the value's own lifetime in the cache)."""
    if not enabled():
        return cache.get(key, default)
    value = _recall(key)
    if value is not MISSING:
        return value
    value = cache.get(key, MISSING)
    if value is MISSING:
        return default
    _remember(key, value, timeout)
    return value


def set(key, value, timeout):  # noqa: A001 - the cache API's own name
    cache.set(key, value, timeout)
    if enabled():
        _remember(key, value, timeout)


def forget_all():
    """Drop what this process holds (tests)."""
    with _lock:
        _entries.clear()
