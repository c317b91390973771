from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from taggit.models import Tag
from wagtail.models import Page, Site
from wagtail.search.backends import get_search_backend

from content.models import CONTENT_KIND_LABELS, Audience, ContentPageTag, Region

from . import querylog
from .service import (
    MAX_QUERY_LENGTH,
    SearchError,
    SearchParams,
    allowed_ids,
    parse_params,
    run_search,
)

SUGGESTION_COUNT = 8
FILTERS = (("type", "kinds"), ("audience", "audiences"), ("topic", "topics"), ("region", "regions"))


def _facet_options(outcome):
    """Each filter's options with their counts and whether they are chosen, for the form."""
    params, facets = outcome.params, outcome.facets
    labels = {
        "type": dict(CONTENT_KIND_LABELS),
        "audience": dict(Audience.objects.values_list("slug", "name")),
        "topic": dict(
            Tag.objects.filter(slug__in=[*facets["topic"], *params.topics]).values_list(
                "slug", "name"
            )
        ),
        "region": dict(
            Region.objects.filter(code__in=[*facets["region"], *params.regions]).values_list(
                "code", "name"
            )
        ),
    }
    groups = []
    for name, attribute in FILTERS:
        chosen = getattr(params, attribute)
        values = list(
            dict.fromkeys([*chosen, *sorted(facets[name], key=lambda v: -facets[name][v])])
        )
        options = [
            {
                "value": value,
                "label": labels[name].get(value, value),
                "count": facets[name].get(value, 0),
                "checked": value in chosen,
            }
            for value in values
        ]
        groups.append({"name": name, "options": options})
    return groups


def search_page(request):
    raw = {attribute: request.GET.getlist(name) for name, attribute in FILTERS}
    context = {
        "query": request.GET.get("q", "")[: MAX_QUERY_LENGTH * 2],
        "max_length": MAX_QUERY_LENGTH,
    }
    status = 200
    try:
        params = parse_params(q=request.GET.get("q"), page=request.GET.get("page"), **raw)
        outcome = run_search(params, Site.find_for_request(request))
    except SearchError as error:
        context["error"] = str(error)
        status = 400
    else:
        context.update(
            outcome=outcome,
            facet_groups=_facet_options(outcome),
            page_obj=Paginator(range(outcome.count), params.page_size).get_page(params.page),
            searched=bool(params.q or params.has_filters),
        )
        if outcome.count == 0 and context["searched"]:
            context["popular"] = querylog.popular_queries(limit=8)
            context["topics"] = Tag.objects.filter(
                pk__in=ContentPageTag.objects.values("tag_id")
            ).order_by("name")
    return render(request, "pages/search.html", context, status=status)


def suggest(request):
    """Titles that complete what has been typed, for the search box's suggestion list."""
    query = request.GET.get("q", "").strip()
    if len(query) > MAX_QUERY_LENGTH or "\x00" in query:
        return JsonResponse(
            {"error": _("搜索词不能超过 %(max)d 个字符") % {"max": MAX_QUERY_LENGTH}}, status=400
        )
    suggestions = []
    if query:
        hits = get_search_backend().search_ids(
            query, allowed_ids(SearchParams()), limit=SUGGESTION_COUNT, autocomplete=True
        )
        pages = Page.objects.in_bulk(hits.ranked_ids)
        suggestions = [
            {"title": pages[pk].title, "url": pages[pk].get_url(request)}
            for pk in hits.ranked_ids
            if pk in pages
        ]
    return JsonResponse({"query": query, "suggestions": suggestions})
