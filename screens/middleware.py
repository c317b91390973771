"""Answer unchanged manifest polls before the rest of the stack.

Ten thousand screens polling the manifest mostly hear "not modified". This middleware sits just
after WhiteNoise (as feeds' ConditionalFeedMiddleware does for feeds): a GET of the manifest with
If-None-Match and a Bearer token whose entry and the content generation are both in the cache
answers 304 from one cache round trip, skipping sessions, locale, CSRF, auth, messages, CSP, URL
resolution and django-ninja. Everything else — no cached entry, a changed version, a bad or
missing token, a disallowed host, any other path — goes on to the ninja operation, which gives
the same answer more slowly (and is what the OpenAPI document describes).
"""

from django.core.exceptions import DisallowedHost
from django.http import HttpResponseNotModified

from . import versions

MANIFEST_PATH = "/api/v1/screens/manifest"


def manifest_headers(response, version):
    """Headers every manifest answer carries, whichever path produced it."""
    response["ETag"] = versions.etag(version)
    response["Cache-Control"] = "private, no-cache"
    return response


class ConditionalManifestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path_info == MANIFEST_PATH
            and request.method == "GET"
            and "HTTP_IF_NONE_MATCH" in request.META
        ):
            response = self.not_modified(request)
            if response is not None:
                return response
        return self.get_response(request)

    def not_modified(self, request):
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        try:
            # CommonMiddleware would reject a disallowed host with a 400; let it do so.
            request.get_host()
        except DisallowedHost:
            return None
        found = versions.cached_poll_version(token)
        if found is None:
            return None
        _screen_id, version = found
        if not versions.etag_matches(request.META["HTTP_IF_NONE_MATCH"], version):
            return None
        return manifest_headers(HttpResponseNotModified(), version)
