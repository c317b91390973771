"""GET /api/v1/search: the site search as JSON (contract in docs/contracts.md)."""

from django.http import JsonResponse
from ninja import Query, Router, Schema
from wagtail.models import Site

from .service import MAX_PAGE_SIZE, MAX_QUERY_LENGTH, SearchError, parse_params, run_search

router = Router(tags=["search"])


class SearchResult(Schema):
    id: int
    type: str
    title: str
    summary: str
    url: str
    external_id: str | None


class SearchResponse(Schema):
    count: int
    results: list[SearchResult]
    facets: dict[str, dict[str, int]]


class SearchErrorResponse(Schema):
    error: str
    detail: list[str]


@router.get(
    "/search",
    response={200: SearchResponse, 400: SearchErrorResponse},
    summary="搜索科普内容",
    description=(
        "中文全文检索。type、audience、topic、region 可用逗号分隔多个值（同一项内为“或”，"
        "不同项之间为“且”）。未知的筛选值、过长的 q 或无效的 page 返回 400。"
    ),
)
def search(
    request,
    q: str = Query("", max_length=MAX_QUERY_LENGTH, description="搜索词"),
    type: str | None = Query(None, description="article, video, comic, emergency"),  # noqa: A002
    audience: str | None = Query(None, description="受众标识，如 elderly"),
    topic: str | None = Query(None, description="主题标识（slug）"),
    region: str | None = Query(None, description="行政区划代码，含下级地区"),
    page: int = Query(1, ge=1),
    page_size: int = Query(10, ge=1, le=MAX_PAGE_SIZE),
):
    try:
        params = parse_params(
            q=q,
            kinds=type,
            audiences=audience,
            topics=topic,
            regions=region,
            page=page,
            page_size=page_size,
        )
        outcome = run_search(params, Site.find_for_request(request))
    except SearchError as error:
        return JsonResponse({"error": "invalid request", "detail": [str(error)]}, status=400)
    return {
        "count": outcome.count,
        "results": [
            {
                "id": item.pk,
                "type": item.content_kind,
                "title": item.title,
                "summary": item.summary,
                "url": item.get_full_url(request) or "",
                "external_id": item.external_id,
            }
            for item in outcome.results
        ],
        "facets": {name: outcome.facets[name] for name in ("type", "audience", "topic")},
    }
