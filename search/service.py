"""One search over the site's content, shared by the search page and the JSON API.

Validation turns raw parameters into ``SearchParams`` or raises ``SearchError`` with a message
fit for a 400 answer; ``run_search`` returns one page of results with facet counts.
"""

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from taggit.models import Tag
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.utils import normalise_query_string

from content.models import Audience, Region
from content.queries import CONTENT_KINDS, filter_content, live_content
from search.catalogue import get_catalogue

from . import querylog, synonyms
from .analysis import query_terms

MAX_QUERY_LENGTH = querylog.MAX_QUERY_LENGTH
MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 10
MAX_FILTER_VALUES = 20


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


def _values(raw):
    """A filter given as repeated parameters and/or comma-separated values."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    values = []
    for item in raw:
        for value in str(item).replace("，", ",").split(","):
            value = value.strip()
            if value and value not in values:
                values.append(value)
    return values


def _check(name, values, known):
    if len(values) > MAX_FILTER_VALUES:
        raise SearchError(
            _("%(name)s 最多 %(max)d 个值") % {"name": name, "max": MAX_FILTER_VALUES}
        )
    unknown = [value for value in values if value not in known]
    if unknown:
        raise SearchError(_("未知的 %(name)s：%(value)s") % {"name": name, "value": unknown[0]})
    return values


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
    kinds = _check("type", _values(kinds), set(CONTENT_KINDS))
    audiences = _values(audiences)
    topics = _values(topics)
    regions = _values(regions)
    if audiences:
        _check(
            "audience",
            audiences,
            set(Audience.objects.filter(slug__in=audiences).values_list("slug", flat=True)),
        )
    if topics:
        _check(
            "topic", topics, set(Tag.objects.filter(slug__in=topics).values_list("slug", flat=True))
        )
    if regions:
        _check(
            "region",
            regions,
            set(Region.objects.filter(code__in=regions).values_list("code", flat=True)),
        )
    return SearchParams(
        q=q,
        kinds=kinds,
        audiences=audiences,
        topics=topics,
        regions=regions,
        page=_positive_int("page", page, 1),
        page_size=_positive_int("page_size", page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    )


def candidates(params, site=None):
    """Live content narrowed by the filters, as a queryset the search backend accepts (it only
    filters on declared FilterFields, and Page's ``id`` is one).

    The queryset also carries the same pages as a pk set from the content catalogue
    (``candidate_pks``): our ranked backends filter their matches against it in memory
    instead of joining every matched index entry to the page table. Anything that clones
    the queryset drops the attribute and falls back to the SQL filter."""
    filters = {
        "kinds": params.kinds,
        "audiences": params.audiences,
        "topics": params.topics,
        "regions": params.regions,
    }
    filtered = filter_content(live_content(site), **filters)
    queryset = Page.objects.filter(id__in=filtered.order_by().values("pk"))
    queryset.candidate_pks = get_catalogue().allowed_ids(site=site, **filters)
    return queryset


def search_pages(query_string, queryset):
    """Backend search with synonyms, ranked by relevance."""
    return get_search_backend().search(
        synonyms.expand(query_string), queryset, order_by_relevance=True
    )


def _matched_ids(results):
    matched_ids = getattr(results, "matched_ids", None)
    if matched_ids is not None:  # our backends: from the statement the ranking reads
        return matched_ids()
    get_queryset = getattr(results, "get_queryset", None)
    if get_queryset is not None:  # database backends: one query for all ids
        return list(get_queryset().order_by().values_list("pk", flat=True))
    return [page.pk for page in results[:10_000]]


def highlight_words(query_string):
    words = []
    for variant in synonyms.alternatives(query_string):
        for term in query_terms(variant):
            if term.text not in words:
                words.append(term.text)
    return words


def run_search(params, site=None, *, record=True):
    """One page of results. Without a query, the filtered content newest first."""
    queryset = candidates(params, site)
    if params.q:
        results = search_pages(params.q, queryset)
        ids = _matched_ids(results)
    else:
        results = live_content(site).filter(id__in=queryset.values("id"))
        ids = list(results.values_list("pk", flat=True))
    count = len(ids)
    num_pages = max(1, math.ceil(count / params.page_size))
    if params.page > num_pages:
        raise SearchError(_("page 超出范围：共 %(pages)d 页") % {"pages": num_pages})
    start = (params.page - 1) * params.page_size
    stop = start + params.page_size
    ranked_ids = getattr(results, "ranked_ids", None)  # our backends: no generic page fetch
    page_ids = ranked_ids(start, stop) if ranked_ids is not None else None
    if page_ids is None:
        page_ids = [page.pk for page in results[start:stop]]
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
        facets=get_catalogue().facet_counts(ids),
        promotions=promotions,
        highlight_words=highlight_words(params.q) if params.q else [],
    )
