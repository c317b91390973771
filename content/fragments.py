"""Caching what public pages show that depends only on content, under the content generation.

A fragment's key (``content.caching``) is the current generation, the site, the active
language, a name and whatever else the fragment varies on; a change to content moves the
generation on, so stale fragments are never read again and need no deleting. Per-visitor parts of
a page (the reading-mode switch, the highlighted navigation entry, the CSRF token) are never
inside a fragment: they are rendered on every request around the cached parts.

Wagtail previews render unsaved drafts; they never read or write fragments.
"""

from django.utils.translation import get_language

from . import caching
from .caching import FRAGMENT_TIMEOUT


def _site_id(request):
    from wagtail.models import Site

    site = Site.find_for_request(request)
    return site.pk if site is not None else 0


def fragment_key(request, name, *parts):
    return caching.key(
        "content:fragment", _site_id(request), get_language() or "", name, *parts, request=request
    )


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
    return caching.get_or_compute(key, compute, timeout, keep)
