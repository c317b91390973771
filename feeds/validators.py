"""Validators (ETag, Last-Modified) for feeds and API answers, computed without rendering.

Validators are cached under the content generation (``content.caching``), the one token
replaced whenever public content may change (publish, unpublish, save, delete, move, and the
things pages show or are filtered by). A validator is computed once per (answer, generation)
from a single cheap query over the matching rows (ids, publish times and paths only) and kept in
the cache under that generation. A conditional request whose validator is cached costs two cache
reads (the generation, then the validator under it; with Redis the validator usually comes from
this process, ``content.memo``) and no database query. Because the ETag
hashes what the answer lists, a change elsewhere gives a new generation but the same ETag, so
readers of unaffected feeds keep getting 304s.
"""

import hashlib
from dataclasses import dataclass

from django.db.models import Max
from django.utils.http import http_date, parse_http_date_safe
from wagtail.models import PageLogEntry

from content import caching
from content.filters import FilterError
from content.queries import live_content

from .params import bad_filter

# Bumped when the rendering code changes shape, so cached bodies from an older release are unused.
RENDER_VERSION = "1"
# A validator is rechecked at least this often even without a signal (expiry dates pass silently).
VALIDATOR_TIMEOUT = 300
BODY_TIMEOUT = 3600
REMOVAL_ACTIONS = ("wagtail.unpublish", "wagtail.delete", "wagtail.move")


@dataclass(frozen=True)
class Validator:
    etag: str
    last_modified: float  # seconds since the epoch
    ids: tuple  # the page ids the answer lists, newest first
    has_next: bool
    count: int

    @property
    def last_modified_header(self):
        return http_date(self.last_modified)


def check_vocabulary(query):
    """BadParameters naming the first audience, topic or region that does not exist."""
    try:
        query.filter.check_known()
    except FilterError as error:
        raise bad_filter(error) from None


def matching_pages(query):
    return query.filter.apply(live_content())


def _stamp(moment):
    return moment.timestamp() if moment else ""


def _compute(query, scope, page_id):
    # url_path: a move changes every listed link without a new publish time.
    fields = ("pk", "last_published_at", "first_published_at", "url_path")
    if page_id is not None:
        rows = list(live_content().filter(pk=page_id).values_list(*fields))
        count, has_next = len(rows), False
    else:
        check_vocabulary(query)
        matching = matching_pages(query)
        rows = list(matching.values_list(*fields)[query.offset : query.offset + query.limit + 1])
        has_next = len(rows) > query.limit
        rows = rows[: query.limit]
        count = matching.count() if (rows or query.page > 1) else 0
    stamps = [(last or first) for _pk, last, first, _path in rows if (last or first)]
    # A removal changes a feed without leaving a newer row in it, so its time counts too.
    removed = PageLogEntry.objects.filter(action__in=REMOVAL_ACTIONS).aggregate(
        newest=Max("timestamp")
    )["newest"]
    if removed is not None:
        stamps.append(removed)
    last_modified = int(max(stamps).timestamp()) if stamps else 0
    digest = hashlib.sha256(
        "|".join(
            [
                RENDER_VERSION,
                scope,
                query.cache_key(),
                str(page_id),
                str(count),
                str(has_next),
                ";".join(f"{pk}:{_stamp(last or first)}:{path}" for pk, last, first, path in rows),
            ]
        ).encode()
    ).hexdigest()[:32]
    return Validator(
        etag=f'"{digest}"',
        last_modified=last_modified,
        ids=tuple(row[0] for row in rows),
        has_next=has_next,
        count=count,
    )


def _validator_key(query, scope, page_id):
    return caching.key("feeds:validator", scope, query.cache_key(), page_id)


def validator_for(query, scope, page_id=None):
    """The validator for one answer. ``scope`` names the answer's shape and base URL (format,
    host), so the same filters in RSS and JSON, or on two hosts, get different ETags. Raises
    BadParameters for filter values that do not exist (checked only on a cache miss: a cached
    validator means the same parameters were valid in this generation). With ``page_id`` the
    answer is that one page, if it is live and reviewed."""
    key = _validator_key(query, scope, page_id)
    return caching.get_or_compute(key, lambda: _compute(query, scope, page_id), VALIDATOR_TIMEOUT)


def cached_validator(query, scope, page_id=None):
    """The validator if it is cached for the current generation, else None; never queries."""
    return caching.peek(_validator_key(query, scope, page_id), timeout=VALIDATOR_TIMEOUT)


def not_modified(request, validator):
    """True when the request's conditional headers match (RFC 9110 13.2.2: If-None-Match wins)."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        if if_none_match.strip() == "*":
            return True
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return validator.etag in tags
    if_modified_since = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since:
        since = parse_http_date_safe(if_modified_since)
        return since is not None and validator.last_modified <= since
    return False


def body_key(validator, kind):
    return f"feeds:body:{kind}:{validator.etag.strip(chr(34))}"
