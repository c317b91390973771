"""Answer conditional requests for feeds and the content API before the rest of the stack.

A reader polling an unchanged feed should cost about what a static file does. This middleware
sits just after WhiteNoise: when a GET carries If-None-Match / If-Modified-Since and the
validator for its parameters is already cached for the current content generation, it answers
304 from two cache reads, skipping sessions, locale, CSRF, auth, messages, CSP, URL resolution
and the view. Anything else (no validator cached yet, bad parameters, other paths) goes on to the
view, which gives the same answer more slowly.
"""

import re

from django.core.exceptions import DisallowedHost
from django.http import HttpResponseNotModified

from . import params, validators
from .views import conditional_headers, scope_for

API_DETAIL = re.compile(r"^/api/v1/content/([1-9][0-9]{0,9})$")
FEED_PATHS = {"/feeds/rss/": "rss", "/feeds/atom/": "atom", "/feeds/json/": "json"}


class ConditionalFeedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in {"GET", "HEAD"} and (
            "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META
        ):
            response = self.not_modified(request)
            if response is not None:
                return response
        return self.get_response(request)

    def not_modified(self, request):
        path = request.path_info
        page_id = None
        if path in FEED_PATHS:
            answer = FEED_PATHS[path]
        elif path == "/api/v1/content":
            answer = "api-list"
        elif match := API_DETAIL.match(path):
            answer, page_id = "api-detail", int(match.group(1))
        else:
            return None
        try:
            if page_id is None:
                query = params.parse(request.GET, request.META.get("QUERY_STRING", ""))
            elif request.GET:
                return None
            else:
                query = params.ContentQuery()
            scope = scope_for(request, answer)
        except (params.BadParameters, DisallowedHost):
            return None
        validator = validators.cached_validator(query, scope, page_id)
        if validator is None or (page_id is not None and not validator.ids):
            return None
        if not validators.not_modified(request, validator):
            return None
        return conditional_headers(HttpResponseNotModified(), validator)
