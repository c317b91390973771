"""The caches keyed on the content generation, in one place.

A value derived only from content is cached under a key that embeds the content generation
(``content.generation``): every committed content change (``content.changes``) moves the token
on, so readers ask for new keys and nothing is ever deleted. The keyed values:

===================== ================================== ==================================
what                  where it is computed               how it is kept
===================== ================================== ==================================
page fragments        ``content.fragments.cached``        shared cache + memo, one render
routes                ``home.models.HomePage.route``      shared cache (``fragment_key``)
view restrictions     ``content.restrictions``            shared cache + memo
restricted paths      ``content.queries``                 this process, per token
the site              ``home.middleware.cached_site``     shared cache + memo
search catalogue      ``search.catalogue``                this process, per token
feed validators       ``feeds.validators``                shared cache + memo, one render
feed bodies           ``feeds.views``                     keyed on the validator's ETag
manifest parts        ``screens.manifest``                shared cache, per token
manifest versions     ``screens.versions``                the token is part of the version
===================== ================================== ==================================

"Shared cache" is Django's default cache (Redis with ``REDIS_URL``, else this process);
"memo" is ``content.memo``, a per-process copy in front of Redis; "one render" is
``content.singleflight``, which lets one of many concurrent misses compute. Keys are named
here (``key``) so that each one embeds the token the same way, and a value is fetched or
computed with ``get_or_compute`` (fragments, validators: rendering can be costly and readers
pile up after a change) or ``remembered`` (small values computed by one cheap query).

Values that may go stale without a change signal (scheduled expiry passes silently) carry a
timeout, ``FRAGMENT_TIMEOUT`` by default.
"""

import hashlib

from django.core.cache import cache

from . import memo
from .generation import (
    FRAGMENT_TIMEOUT,
    GENERATION_KEY,
    SHARED_KEY,
    current_generation,
    generation_from_cache,
)
from .singleflight import get_or_render

__all__ = [
    "FRAGMENT_TIMEOUT",
    "current_generation",
    "get_many_with_generation",
    "get_or_compute",
    "key",
    "peek",
    "remembered",
]

_MISSING = object()


def key(prefix, *parts, request=None, generation=None):
    """``prefix:<hash>`` of the current generation and ``parts``. Hashed: parts may hold Chinese
    topic slugs and paths, which memcached-style keys refuse. With a request the token is read
    once for it; ``generation`` passes a token already read (one manifest build, one token)."""
    token = generation if generation is not None else current_generation(request)
    raw = "|".join([token, *(str(part) for part in parts)])
    return f"{prefix}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"


def get_or_compute(cache_key, compute, timeout=FRAGMENT_TIMEOUT, keep=None):
    """The value under ``cache_key`` or ``compute()``'s, stored unless ``keep(value)`` says
    otherwise; concurrent misses compute once (``content.singleflight``)."""
    return get_or_render(cache_key, compute, timeout, keep)


def peek(cache_key, timeout=FRAGMENT_TIMEOUT):
    """The value if it is cached, else None; never computes."""
    return memo.get(cache_key, timeout=timeout)


def remembered(cache_key, compute, timeout=FRAGMENT_TIMEOUT):
    """The value under ``cache_key``, or ``compute()``'s, stored (None is not a value: compute
    must return something else for "nothing")."""
    value = memo.get(cache_key, _MISSING, timeout)
    if value is _MISSING:
        value = compute()
        memo.set(cache_key, value, timeout)
    return value


def get_many_with_generation(keys):
    """(``cache.get_many(keys)``, the current token or None) in one round trip to the cache:
    the poll path of screens reads its entries and the token together. None means the token's
    local part is missing; ``current_generation()`` refills it."""
    found = cache.get_many([*keys, GENERATION_KEY, SHARED_KEY])
    return found, generation_from_cache(found)
