"""The feeds, answered from the cache whenever the content has not changed.

A request for a feed costs, in order: parsing its parameters (no I/O); its validator (two cache
reads, or one cheap query on a miss); a 304 if the reader already has it; else the rendered body
from the cache (one more read), rendering only on a miss. Nothing here touches the session, so
anonymous requests never read the session table.
"""

from urllib.parse import urlencode, urljoin

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotModified
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from taggit.models import Tag

from content.caching import get_or_compute
from content.models import CONTENT_KIND_LABELS, Audience, ContentIndexPage, Region

from . import params, validators
from .formats import FORMATS
from .items import describe_all

CACHE_CONTROL = "public, max-age=60"


def site_base(request):
    return request.build_absolute_uri("/")


def hub_url():
    return getattr(settings, "WEBSUB_HUB_URL", "") or ""


def feed_path(kind):
    return reverse(f"feeds:{kind}")


def scope_for(request, answer):
    """What besides the parameters tells two answers apart: the answer's shape (feed format or
    API endpoint), the host it links to and, for feeds, the hub they advertise."""
    base = site_base(request)
    if answer in FORMATS:
        return f"{answer}|{base}|{hub_url()}"
    return f"{answer}|{base}"


def conditional_headers(response, validator):
    response["ETag"] = validator.etag
    response["Last-Modified"] = validator.last_modified_header
    response["Cache-Control"] = CACHE_CONTROL
    return response


def answer_conditionally(
    request, query, scope, render_body, content_type, extra_headers=None, page_id=None
):
    """The 200 or 304 for one cacheable answer; ``render_body(validator)`` makes the bytes."""
    validator = validators.validator_for(query, scope, page_id)
    headers = extra_headers or {}
    if validators.not_modified(request, validator):
        response = HttpResponseNotModified()
    else:
        key = validators.body_key(validator, scope)
        # Readers arriving together after a change wait for one render (content.caching).
        body = get_or_compute(key, lambda: render_body(validator), validators.BODY_TIMEOUT)
        response = HttpResponse(body, content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    return conditional_headers(response, validator)


def _title(query):
    content_filter = query.filter
    labels = [str(CONTENT_KIND_LABELS[kind]) for kind in content_filter.kinds]
    if content_filter.audiences:
        labels += list(
            Audience.objects.filter(slug__in=content_filter.audiences).values_list(
                "name", flat=True
            )
        )
    if content_filter.topics:
        labels += list(
            Tag.objects.filter(slug__in=content_filter.topics).values_list("name", flat=True)
        )
    if content_filter.regions:
        labels += list(
            Region.objects.filter(code__in=content_filter.regions).values_list("name", flat=True)
        )
    return " · ".join([_("科普青城"), *labels])


def _home_page_url(request, query, base):
    listing = ContentIndexPage.objects.live().public().first()
    url = listing.get_url(request=request) if listing else "/"
    filters = query.query_string(with_paging=False)
    return urljoin(base, url) + (f"?{filters}" if filters else "")


def feed_meta(request, kind, query, validator):
    base = site_base(request)
    path = feed_path(kind)
    canonical = query.query_string()
    meta = {
        "title": _title(query),
        "description": _("呼和浩特数字科普平台：经过科学性审核的科普视频、漫画、文章和应急科普。"),
        "site_url": base,
        "home_page_url": _home_page_url(request, query, base),
        "feed_url": urljoin(base, path) + (f"?{canonical}" if canonical else ""),
        "about_url": urljoin(base, reverse("feeds:subscribe")),
        "icon": urljoin(base, static("img/favicon.svg")),
        "favicon": urljoin(base, static("img/favicon.svg")),
        "hub_url": hub_url() or None,
    }
    if validator.has_next:
        meta["next_url"] = urljoin(base, path) + "?" + query.query_string(page=query.page + 1)
    return meta


@require_safe
def feed(request, kind):
    try:
        query = params.parse(request.GET, request.META.get("QUERY_STRING", ""))
    except params.BadParameters as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    render_format, content_type = FORMATS[kind]
    base = site_base(request)
    hub = hub_url()
    scope = scope_for(request, kind)

    def render_body(validator):
        items = describe_all(validator.ids, request, base)
        return render_format(feed_meta(request, kind, query, validator), items)

    extra = {}
    if hub:
        canonical = query.query_string()
        self_url = urljoin(base, feed_path(kind)) + (f"?{canonical}" if canonical else "")
        extra["Link"] = f'<{hub}>; rel="hub", <{self_url}>; rel="self"'
    try:
        return answer_conditionally(request, query, scope, render_body, content_type, extra)
    except params.BadParameters as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


FORMAT_NOTES = (
    ("rss", "RSS 2.0", gettext_lazy("最通用的订阅格式，几乎所有阅读器和邮件客户端都支持。")),
    ("atom", "Atom 1.0", gettext_lazy("标准化的订阅格式，时间与分类更严谨，适合新闻聚合平台。")),
    ("json", "JSON Feed 1.1", gettext_lazy("JSON 格式，便于合作媒体和开发者直接在程序中读取。")),
)


@require_safe
def subscribe(request):
    """订阅: every feed URL per audience and topic, with a line on each format."""
    base = site_base(request)

    def links(query_string):
        return [
            {
                "kind": kind,
                "name": name,
                "url": urljoin(base, feed_path(kind))
                + (f"?{query_string}" if query_string else ""),
            }
            for kind, name, _note in FORMAT_NOTES
        ]

    audiences = [
        {"name": audience.name, "links": links(f"audience={audience.slug}")}
        for audience in Audience.objects.all()
    ]
    topics = [
        {"name": tag.name, "links": links(urlencode([("topic", tag.slug)]))}
        for tag in Tag.objects.order_by("name")
    ]
    return render(
        request,
        "feeds/subscribe.html",
        {
            "formats": [
                {"kind": kind, "name": name, "note": note} for kind, name, note in FORMAT_NOTES
            ],
            "all_links": links(""),
            "audiences": audiences,
            "topics": topics,
            "api_url": urljoin(base, "/api/v1/docs"),
            "feed_alternates": links(""),
        },
    )
