"""Find the request's Wagtail Site from the cache instead of the database.

Wagtail looks the Site up (one query) and then loads its root page (one query, plus one to make
it specific) on every request that routes a page or builds a page URL. Which site answers a host
and port changes only when sites or pages change, so the site, with its root page already
specific, is cached under the content generation (``content.caching``), which moves on when a
Site or a page is saved, moved or deleted. Wagtail then finds it on ``request._wagtail_site``,
where ``Site.find_for_request`` keeps it for the rest of the request.

It acts only on Wagtail's page view, and sits after CommonMiddleware, so only hosts allowed by
ALLOWED_HOSTS ever make a cache key.
"""

from django.http.request import split_domain_port
from wagtail.models import Site
from wagtail.views import serve as wagtail_serve

from content import caching

_NO_SITE = "none"


def cached_site(request):
    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()
    key = caching.key("home:site", hostname, port, request=request)
    site = caching.remembered(key, lambda: _find_site(request) or _NO_SITE)
    return None if site == _NO_SITE else site


def _find_site(request):
    site = Site._find_for_request(request)
    if site is not None:
        # Routing starts at site.root_page.localized.specific: keep the specific page.
        site.root_page = site.root_page.specific
    return site


class CachedSiteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Only for Wagtail-served pages: /healthz, /readyz, feeds and APIs stay independent of
        # the cache (a stopped Redis must show in /readyz, not break /healthz).
        if view_func is wagtail_serve and not hasattr(request, "_wagtail_site"):
            request._wagtail_site = cached_site(request)
