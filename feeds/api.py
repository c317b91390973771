"""The read-only content API: GET /api/v1/content and /api/v1/content/{id}.

Same filters, validators and caching as the feeds; only published, reviewed content.
"""

import datetime
from typing import Literal

from django.http import JsonResponse
from ninja import Field, Path, Query, Router, Schema

from . import params, validators
from .items import describe_all
from .views import answer_conditionally, scope_for, site_base

router = Router(tags=["content"])

ContentType = Literal["article", "video", "comic", "emergency"]
JSON = "application/json; charset=utf-8"


class Rendition(Schema):
    url: str
    width: int
    height: int


class ImageOut(Schema):
    alt: str
    renditions: dict[str, Rendition] = Field(
        description="thumbnail 320×180, medium 640×360, large 最长边 ≤1200"
    )


class Term(Schema):
    slug: str
    name: str


class RegionOut(Schema):
    code: str
    name: str


class ReviewOut(Schema):
    reviewer: str
    organisation: str
    date: datetime.date | None
    # True when published without review in an emergency; label says so, naming who did it.
    emergency: bool
    label: str


class VideoOut(Schema):
    url: str | None
    mime_type: str | None
    size_in_bytes: int
    duration_in_seconds: int
    captions_url: str | None
    transcript: str


class EmergencyOut(Schema):
    hazard: str
    hazard_label: str
    phase: str
    phase_label: str
    actions: list[str]


class PanelOut(Schema):
    image: ImageOut | None
    alt: str
    text: str


class ComicOut(Schema):
    panels: list[PanelOut]


class ContentOut(Schema):
    id: int
    type: ContentType
    type_label: str
    title: str
    summary: str
    url: str
    image: ImageOut | None
    audiences: list[Term]
    topics: list[Term]
    regions: list[RegionOut]
    published: datetime.datetime | None
    updated: datetime.datetime | None
    source: str
    external_id: str | None
    review: ReviewOut | None
    video: VideoOut | None = Field(None, description="type video only")
    emergency: EmergencyOut | None = Field(None, description="type emergency only")
    comic: ComicOut | None = Field(None, description="type comic only")


class ContentDetail(ContentOut):
    content_html: str


class ContentList(Schema):
    count: int
    page: int
    limit: int
    next: str | None
    previous: str | None
    results: list[ContentOut]


class ContentApiError(Schema):
    error: str
    detail: list[str]


def bad_request(message):
    return JsonResponse({"error": "invalid request", "detail": [message]}, status=400)


def _page_url(request, query, page):
    return request.build_absolute_uri(request.path) + "?" + query.query_string(page=page)


@router.get(
    "/content",
    response={200: ContentList, 304: None, 400: ContentApiError},
    summary="内容列表",
    description="已发布且通过科学性审核的内容，最新在前。筛选参数可重复（同一参数之间为“或”）。"
    "支持 ETag / Last-Modified 条件请求。",
)
def list_content(
    request,
    type: list[ContentType] = Query(None, description="内容类型"),  # noqa: A002, B008
    audience: list[str] = Query(None, description="受众标识，如 elderly"),  # noqa: B008
    topic: list[str] = Query(None, description="主题标识（标签 slug）"),  # noqa: B008
    region: list[str] = Query(None, description="区划代码，如 150105（含下级）"),  # noqa: B008
    limit: int = Query(params.DEFAULT_LIMIT, ge=1, le=params.MAX_LIMIT),  # noqa: B008
    page: int = Query(1, ge=1, le=params.MAX_PAGE),  # noqa: B008
):
    try:
        query = params.parse(request.GET, request.META.get("QUERY_STRING", ""))
    except params.BadParameters as error:
        return bad_request(str(error))
    base = site_base(request)

    def render_body(validator):
        items = describe_all(validator.ids, request, base)
        return ContentList(
            count=validator.count,
            page=query.page,
            limit=query.limit,
            next=_page_url(request, query, query.page + 1) if validator.has_next else None,
            previous=_page_url(request, query, query.page - 1) if query.page > 1 else None,
            results=items,
        ).model_dump_json()

    try:
        return answer_conditionally(
            request, query, scope_for(request, "api-list"), render_body, JSON
        )
    except params.BadParameters as error:
        return bad_request(str(error))


@router.get(
    "/content/{content_id}",
    response={200: ContentDetail, 304: None, 400: ContentApiError, 404: ContentApiError},
    summary="单条内容",
    description="一条已发布且通过科学性审核的内容，含完整正文 HTML（绝对链接）。",
)
def content_detail(request, content_id: int = Path(..., ge=1, le=2**31 - 1)):  # noqa: B008
    query = params.ContentQuery()
    base = site_base(request)
    scope = scope_for(request, "api-detail")
    validator = validators.validator_for(query, scope, content_id)
    if not validator.ids:
        return JsonResponse(
            {"error": "not found", "detail": ["没有这条已发布的内容。"]}, status=404
        )

    def render_body(validator):
        item = describe_all(validator.ids, request, base)[0]
        return ContentDetail(**item).model_dump_json()

    return answer_conditionally(request, query, scope, render_body, JSON, page_id=content_id)
