"""What the public listing pages show: filters read from the URL, cards, sections of the home page.

Every function here costs a fixed number of queries however many pages there are: cards are
loaded per page type (one query per type present) with their cover images joined in, and the
images' card renditions prefetched in one more, so a listing of 50 costs what a listing of 5 does.

Those queries run once per content generation: filter choices, listing counts and the rendered
listings and home sections are cached under it (``content.fragments``), so a repeat view of a
page runs none. Only what differs per visitor is rendered on every request, by the page template.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.http import Http404
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail.images import get_image_model

from .filters import ContentFilter
from .fragments import cached
from .models import (
    CONTENT_KIND_CHOICES,
    CONTENT_KIND_LABELS,
    CONTENT_KINDS,
    CONTENT_PAGE_MODELS,
    Audience,
    ContentIndexPage,
    ContentPageTag,
    EmergencyGuidePage,
    EmergencyIndexPage,
    Hazard,
    Region,
)
from .queries import live_content

PAGE_SIZE = 12
HOME_NEWEST = 6
HOME_EMERGENCY = 4


# What a card reads from each page. Loading only these (not the StreamField body, which would be
# parsed for every card) keeps a listing cheap; a field used by a card template but missing here
# would cost one query per card, which the constant-query tests catch.
# emergency_published_by: a card says so when its content was published without review.
CARD_FIELDS = (
    "title",
    "url_path",
    "first_published_at",
    "summary",
    "cover_image",
    "emergency_published_by",
)
CARD_EXTRA_FIELDS = {EmergencyGuidePage: ("hazard", "phase")}


def card_pages(rows):
    """Specific pages for ``(pk, content_type_id)`` rows, in the rows' order, with cover images
    and their card renditions: one query per page type present plus one for renditions."""
    from content.templatetags.content_tags import CARD_FILTERS

    rows = list(rows)
    pks_by_type = {}
    for pk, content_type_id in rows:
        pks_by_type.setdefault(content_type_id, []).append(pk)
    pages = {}
    for content_type_id, pks in pks_by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model not in CONTENT_PAGE_MODELS:
            continue
        fields = (*CARD_FIELDS, *CARD_EXTRA_FIELDS.get(model, ()))
        for page in model.objects.filter(pk__in=pks).only(*fields).select_related("cover_image"):
            pages[page.pk] = page
    images = [page.cover_image for page in pages.values() if page.cover_image_id]
    prefetch_related_objects(
        images,
        Prefetch(
            "renditions",
            queryset=get_image_model()
            .get_rendition_model()
            .objects.filter(filter_spec__in=[spec.spec for spec in CARD_FILTERS]),
        ),
    )
    return [pages[pk] for pk, _ in rows if pk in pages]


def card_rows(queryset):
    return queryset.values_list("pk", "content_type_id")


def listing_filters(query, fixed=None, choices=None):
    """The filters in a listing URL, keeping only values that exist (``ContentFilter.lenient``):
    a stale or mistyped link shows a wider listing rather than an error. ``choices`` is
    ``filter_choices()``; values are checked against it, not the database. ``fixed`` sets
    a key outright (an audience or topic page's own)."""
    choices = choices if choices is not None else filter_choices_uncached()
    known = {
        "type": CONTENT_KINDS,
        "audience": choices["audience_slugs"],
        "topic": choices["tag_slugs"],
        "region": choices["region_codes"],
    }
    filters = ContentFilter.lenient(query, known=lambda key, values: known[key])
    return filters.with_values(**{name: [value] for name, value in (fixed or {}).items()})


def filter_choices_uncached():
    audiences = list(Audience.objects.values_list("slug", "name"))
    regions = [(region.code, region.indented_name) for region in Region.objects.order_by("path")]
    return {
        "audience": audiences,
        "audience_slugs": {slug for slug, _name in audiences},
        # Topics offered are those some content uses; any existing tag is accepted in the URL.
        "topic": list(
            Tag.objects.filter(Exists(ContentPageTag.objects.filter(tag_id=OuterRef("pk"))))
            .order_by("name")
            .values_list("slug", "name")
        ),
        "tag_slugs": set(Tag.objects.values_list("slug", flat=True)),
        "region": regions,
        "region_codes": {code for code, _name in regions},
    }


def filter_choices(request):
    """Audiences, topics and regions for the filter form and for checking URL values: four
    queries when the content generation changes, none otherwise."""
    return cached(request, "filter-choices", (), filter_choices_uncached)


def filter_options(filters, hidden=(), choices=None):
    """The choices offered in the filter form, each marked when it is in the URL."""
    choices = choices if choices is not None else filter_choices_uncached()
    groups = [
        ("type", _("类型"), CONTENT_KIND_CHOICES, filters.kinds),
        ("audience", _("受众"), choices["audience"], filters.audiences),
        ("topic", _("主题"), choices["topic"], filters.topics),
        ("region", _("地区"), choices["region"], filters.regions),
    ]
    return [
        {
            "key": key,
            "label": label,
            "active": len(selected),
            "choices": [
                {"value": value, "label": text, "checked": value in selected}
                for value, text in choices
            ],
        }
        for key, label, choices, selected in groups
        if key not in hidden
    ]


def listing_context(request, *, fixed=None, hidden=()):
    """Filters and the rendered listing (filter form, count, one page of cards, page links).

    The listing depends only on content, the path and the filters, so its HTML is cached under
    the content generation. The key uses the filters as understood (unknown values dropped, in a
    fixed order) and the page number as the paginator would settle it, never the raw query
    string, so junk parameters cannot fill the cache with copies. That needs the count first,
    which is cached the same way: a repeat view costs three cache reads and no query.
    """
    choices = filter_choices(request)
    filters = listing_filters(request.GET, fixed=fixed, choices=choices)
    filter_pairs = filters.canonical().pairs()
    key = (request.path, tuple(sorted(hidden)), filters.query_string())

    def queryset():
        return filters.apply(live_content(request_site=_site(request)))

    count = cached(request, "listing-count", key, lambda: queryset().count())
    number = _page_number(request.GET.get("page"), count)

    def render():
        paginator = Paginator(card_rows(queryset()), PAGE_SIZE)
        page_obj = paginator.get_page(number)

        def page_link(page_number):
            return "?" + urlencode([*filter_pairs, ("page", page_number)])

        return render_to_string(
            "components/listing.html",
            {
                "request": request,
                "filters": filters,
                "filter_groups": filter_options(filters, hidden=hidden, choices=choices),
                "page_obj": page_obj,
                "previous_url": page_link(page_obj.previous_page_number())
                if page_obj.has_previous()
                else "",
                "next_url": page_link(page_obj.next_page_number()) if page_obj.has_next() else "",
                "items": card_pages(page_obj.object_list),
                "kind_labels": CONTENT_KIND_LABELS,
            },
        )

    return {
        "filters": filters,
        "listing_html": mark_safe(cached(request, "listing", (*key, number), render)),  # noqa: S308
    }


def _page_number(raw, count):
    """The page ``Paginator.get_page`` would show: 1 for junk, the last for out of range."""
    pages = max(1, -(-count // PAGE_SIZE))
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= pages else pages


def _site(request):
    from wagtail.models import Site

    return Site.find_for_request(request)


def audience_or_404(slug, request=None):
    audience = cached(
        request,
        "audience",
        (slug,),
        lambda: Audience.objects.filter(slug=slug).first(),
        keep_none=False,
    )
    if audience is None:
        raise Http404(_("没有这个受众。"))
    return audience


def topic_or_404(slug, request=None):
    topic = cached(
        request, "topic", (slug,), lambda: Tag.objects.filter(slug=slug).first(), keep_none=False
    )
    if topic is None:
        raise Http404(_("没有这个主题。"))
    return topic


def emergency_groups(request):
    """Live emergency explainers grouped by hazard, in the order of the hazard list; lazy, so a
    cached rendering of the page (its template's content fragment) runs no query."""
    return SimpleLazyObject(lambda: _emergency_groups(request))


def _emergency_groups(request):
    site = _site(request)
    guides = card_pages(
        card_rows(
            live_content(request_site=site)
            .type(EmergencyGuidePage)
            .order_by("-first_published_at", "-pk")
        )
    )
    by_hazard = {}
    for guide in guides:
        by_hazard.setdefault(guide.hazard, []).append(guide)
    phase_order = {"before": 0, "during": 1, "after": 2}
    return [
        {
            "hazard": value,
            "label": label,
            "guides": sorted(by_hazard[value], key=lambda guide: phase_order.get(guide.phase, 9)),
        }
        for value, label in Hazard.choices
        if value in by_hazard
    ]


def home_sections(request, home):
    """Newest content, the newest entry for each audience, emergency explainers, editor's picks.

    Ids are chosen first (a handful of queries), then every card is loaded in one pass.
    """
    site = _site(request)
    live = live_content(request_site=site)
    newest_ids = list(live.values_list("pk", flat=True)[:HOME_NEWEST])
    emergency_ids = list(
        live.type(EmergencyGuidePage).values_list("pk", flat=True)[:HOME_EMERGENCY]
    )
    audiences = list(Audience.objects.annotate(latest_id=Subquery(_newest_for_audience(live)[:1])))
    featured_ids = [pick.page_id for pick in home.featured.all() if pick.page_id is not None]
    wanted = {*newest_ids, *emergency_ids, *featured_ids}
    wanted.update(audience.latest_id for audience in audiences if audience.latest_id)
    cards = {page.pk: page for page in card_pages(card_rows(live.filter(pk__in=wanted)))}
    sections = {
        section.content_type_id: section
        for section in home.get_children()
        .live()
        .type(ContentIndexPage, EmergencyIndexPage)
        .only("title", "url_path", "content_type")
    }
    index_types = ContentType.objects.get_for_models(ContentIndexPage, EmergencyIndexPage)
    return {
        "content_index": sections.get(index_types[ContentIndexPage].pk),
        "emergency_index": sections.get(index_types[EmergencyIndexPage].pk),
        "newest": [cards[pk] for pk in newest_ids if pk in cards],
        "by_audience": [
            {"audience": audience, "page": cards.get(audience.latest_id)} for audience in audiences
        ],
        "emergency": [cards[pk] for pk in emergency_ids if pk in cards],
        "featured": [cards[pk] for pk in featured_ids if pk in cards],
        "kind_labels": CONTENT_KIND_LABELS,
    }


def home_sections_html(request, home):
    """The rendered sections of the home page, cached under the content generation."""
    return mark_safe(  # noqa: S308 - our own template's output
        cached(
            request,
            "home-sections",
            (home.pk,),
            lambda: render_to_string(
                "components/home_sections.html",
                {**home_sections(request, home), "request": request, "page": home},
            ),
        )
    )


def _newest_for_audience(live):
    """Live content tagged with the audience of the outer query, newest first (as pks)."""
    condition = Q()
    for model in CONTENT_PAGE_MODELS:
        through = model.audiences.through
        source = f"{model._meta.model_name}_id"
        condition |= Exists(
            through.objects.filter(
                **{source: OuterRef("pk"), "audience_id": OuterRef(OuterRef("pk"))}
            )
        )
    return live.filter(condition).values("pk")
