"""One search over the site's content, shared by the search page and the JSON API.

Validation turns raw parameters into ``SearchParams`` or raises ``SearchError`` with a message
fit for a 400 answer; ``run_search`` returns one page of results with facet counts.
"""

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.utils import normalise_query_string

from content.filters import MAX_VALUES, ContentFilter, FilterError
from content.queries import filter_content, live_content

from . import querylog, synonyms
from .analysis import query_terms
from .catalogue import get_catalogue

MAX_QUERY_LENGTH = querylog.MAX_QUERY_LENGTH
MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 10
MAX_FILTER_VALUES = MAX_VALUES


class SearchError(ValueError):
    """Bad search input; the message is shown to the client."""


@dataclass
class SearchParams:
    q: str = ""
    kinds: list = field(default_factory=list)
    audiences: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def has_filters(self):
        return bool(self.kinds or self.audiences or self.topics or self.regions)


@dataclass
class SearchOutcome:
    params: SearchParams
    count: int
    results: list
    facets: dict
    promotions: list
    highlight_words: list

    @property
    def num_pages(self):
        return max(1, math.ceil(self.count / self.params.page_size))


def _search_error(error):
    """SearchError for a FilterError, in the search page's and API's wording."""
    if error.problem == "too_many":
        return SearchError(
            _("%(name)s 最多 %(max)d 个值") % {"name": error.key, "max": MAX_FILTER_VALUES}
        )
    return SearchError(_("未知的 %(name)s：%(value)s") % {"name": error.key, "value": error.value})


def _positive_int(name, raw, default, maximum=None):
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise SearchError(_("%(name)s 必须是正整数") % {"name": name}) from None
    if value < 1 or (maximum is not None and value > maximum):
        if maximum is None:
            raise SearchError(_("%(name)s 必须是正整数") % {"name": name})
        raise SearchError(_("%(name)s 必须在 1 到 %(max)d 之间") % {"name": name, "max": maximum})
    return value


def parse_params(
    q=None, kinds=None, audiences=None, topics=None, regions=None, page=None, page_size=None
):
    """Validate raw values (strings or lists of strings) into SearchParams, or raise SearchError."""
    q = (q or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise SearchError(_("搜索词不能超过 %(max)d 个字符") % {"max": MAX_QUERY_LENGTH})
    if "\x00" in q:
        raise SearchError(_("搜索词含有无效字符"))
    try:
        content_filter = ContentFilter.strict(
            {"type": kinds, "audience": audiences, "topic": topics, "region": regions}
        )
    except FilterError as error:
        raise _search_error(error) from None
    return SearchParams(
        q=q,
        kinds=list(content_filter.kinds),
        audiences=list(content_filter.audiences),
        topics=list(content_filter.topics),
        regions=list(content_filter.regions),
        page=_positive_int("page", page, 1),
        page_size=_positive_int("page_size", page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    )


def _filters(params):
    return {
        "kinds": params.kinds,
        "audiences": params.audiences,
        "topics": params.topics,
        "regions": params.regions,
    }


def candidates(params, site=None):
    """Live content narrowed by the filters, as a queryset Wagtail's search API accepts (it
    only filters on declared FilterFields, and Page's ``id`` is one)."""
    filtered = filter_content(live_content(site), **_filters(params))
    return Page.objects.filter(id__in=filtered.order_by().values("pk"))


def allowed_ids(params, site=None):
    """The same pages as ``candidates``, as a set of pks from the catalogue (no query): what
    the backends' ``search_ids`` takes."""
    return get_catalogue().allowed_ids(site=site, **_filters(params))


def search_hits(query_string, params, site=None, *, offset=0, limit=DEFAULT_PAGE_SIZE):
    """The backend's ``search_ids`` with synonyms: the ranked pks from ``offset``, the count of
    matches and their facet counts (``search.backends.common.SearchHits``)."""
    return get_search_backend().search_ids(
        synonyms.expand(query_string),
        allowed_ids(params, site),
        offset=offset,
        limit=limit,
        facet_counts=get_catalogue().facet_counts,
    )


def highlight_words(query_string):
    words = []
    for variant in synonyms.alternatives(query_string):
        for term in query_terms(variant):
            if term.text not in words:
                words.append(term.text)
    return words


def run_search(params, site=None, *, record=True):
    """One page of results. Without a query, the filtered content newest first."""
    start = (params.page - 1) * params.page_size
    if params.q:
        hits = search_hits(params.q, params, site, offset=start, limit=params.page_size)
        count, page_ids, facets = hits.count, hits.ranked_ids, hits.facets
    else:
        results = live_content(site).filter(id__in=candidates(params, site).values("id"))
        ids = list(results.values_list("pk", flat=True))
        count, page_ids = len(ids), ids[start : start + params.page_size]
        facets = get_catalogue().facet_counts(ids)
    num_pages = max(1, math.ceil(count / params.page_size))
    if params.page > num_pages:
        raise SearchError(_("page 超出范围：共 %(pages)d 页") % {"pages": num_pages})
    specific = Page.objects.filter(pk__in=page_ids).specific().in_bulk()
    items = [specific[pk] for pk in page_ids if pk in specific]
    promotions = []
    if params.q and params.page == 1 and not params.has_filters:
        promotions = [
            promotion
            for promotion in SearchPromotion.objects.filter(
                query__query_string=normalise_query_string(params.q)
            ).select_related("page", "query")
            if promotion.page_id is None or promotion.page.live
        ]
    if record and params.q and params.page == 1:
        querylog.record_search(params.q, count)
    return SearchOutcome(
        params=params,
        count=count,
        results=items,
        facets=facets,
        promotions=promotions,
        highlight_words=highlight_words(params.q) if params.q else [],
    )
