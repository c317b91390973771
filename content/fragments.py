"""Caching what public pages show that depends only on content, under the content generation.

A fragment's key is the current generation (see ``content.generation``), the site, the active
language, a name and whatever else the fragment varies on; a change to content moves the
generation on, so stale fragments are never read again and need no deleting. Per-visitor parts of
a page (the reading-mode switch, the highlighted navigation entry, the CSRF token) are never
inside a fragment: they are rendered on every request around the cached parts.

Wagtail previews render unsaved drafts; they never read or write fragments.
"""

import hashlib

from django.utils.translation import get_language

from .generation import FRAGMENT_TIMEOUT, current_generation
from .singleflight import get_or_render


def _site_id(request):
    from wagtail.models import Site

    site = Site.find_for_request(request)
    return site.pk if site is not None else 0


def fragment_key(request, name, *parts):
    raw = "|".join(
        [
            current_generation(request),
            str(_site_id(request)),
            get_language() or "",
            name,
            *(str(part) for part in parts),
        ]
    )
    # Hashed: parts may hold Chinese topic slugs and paths, which memcached-style keys refuse.
    return f"content:fragment:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"


def cacheable(request):
    return request is not None and not getattr(request, "is_preview", False)


def cached(request, name, parts, compute, timeout=FRAGMENT_TIMEOUT, keep_none=True):
    """``compute()``'s value, cached under the content generation; computed on every call for
    previews and without a request. With ``keep_none=False`` a None is not kept, so lookups of
    made-up values in URLs cannot fill the cache. Concurrent misses compute once
    (``content.singleflight``)."""
    if not cacheable(request):
        return compute()
    key = fragment_key(request, name, *parts)
    keep = None if keep_none else (lambda value: value is not None)
    return get_or_render(key, compute, timeout, keep)
