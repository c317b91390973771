"""Reading content across the four page types: live, reviewed, filtered, faceted.

Audiences and regions are many-to-many fields on each concrete page type (the base page is
abstract), so cross-type filters are unions of per-type subqueries on the link tables; topics
are keyed to Page and filter directly. Every function costs a fixed number of queries.
"""

from collections import Counter

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone
from wagtail.models import Page

from .models import CONTENT_PAGE_MODELS

CONTENT_KINDS = {model.content_kind: model for model in CONTENT_PAGE_MODELS}


def live_content(request_site=None):
    """Published, public, unexpired content pages of every type, newest first (as Page rows)."""
    queryset = (
        Page.objects.live()
        .public()
        .type(*CONTENT_PAGE_MODELS)
        .filter(Q(expire_at__isnull=True) | Q(expire_at__gt=timezone.now()))
    )
    if request_site is not None:
        queryset = queryset.descendant_of(request_site.root_page)
    return queryset.order_by("-first_published_at", "-pk")


def _link_subquery(model, field_name, lookup, values):
    through = getattr(model, field_name).through
    source = f"{model._meta.model_name}_id"
    return through.objects.filter(**{f"{lookup}__in": values}).values(source)


def filter_content(queryset, *, kinds=(), audiences=(), topics=(), regions=()):
    """Narrow a Page queryset of content; each argument is a list of slugs/codes (OR within,
    AND across). Region codes include everything below them in the region tree."""
    if kinds:
        queryset = queryset.type(*[CONTENT_KINDS[kind] for kind in kinds])
    if audiences:
        condition = Q()
        for model in CONTENT_PAGE_MODELS:
            condition |= Q(pk__in=_link_subquery(model, "audiences", "audience__slug", audiences))
        queryset = queryset.filter(condition)
    if topics:
        queryset = queryset.filter(
            pk__in=Page.objects.filter(tagged_items__tag__slug__in=topics).values("pk")
        )
    if regions:
        region_ids = region_ids_within(regions)
        condition = Q()
        for model in CONTENT_PAGE_MODELS:
            condition |= Q(pk__in=_link_subquery(model, "regions", "region_id", region_ids))
        queryset = queryset.filter(condition)
    return queryset


def region_ids_within(codes):
    from .models import Region

    condition = Q(pk__in=[])
    for path in Region.objects.filter(code__in=codes).values_list("path", flat=True):
        condition |= Q(path__startswith=path)
    return list(Region.objects.filter(condition).values_list("pk", flat=True))


def facet_counts(page_ids):
    """Counts per type, audience slug, topic slug and region code over the given page ids."""
    from .models import ContentPageTag

    page_ids = list(page_ids)
    kind_by_content_type = {
        ContentType.objects.get_for_model(model).pk: model.content_kind
        for model in CONTENT_PAGE_MODELS
    }
    kinds = Counter()
    for content_type_id, count in (
        Page.objects.filter(pk__in=page_ids)
        .values_list("content_type")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        kinds[kind_by_content_type.get(content_type_id)] += count
    kinds.pop(None, None)
    audiences, regions = Counter(), Counter()
    for model in CONTENT_PAGE_MODELS:
        source = f"{model._meta.model_name}_id__in"
        audiences.update(
            model.audiences.through.objects.filter(**{source: page_ids}).values_list(
                "audience__slug", flat=True
            )
        )
        regions.update(
            model.regions.through.objects.filter(**{source: page_ids}).values_list(
                "region__code", flat=True
            )
        )
    topics = Counter(
        ContentPageTag.objects.filter(content_object_id__in=page_ids).values_list(
            "tag__slug", flat=True
        )
    )
    return {
        "type": dict(kinds),
        "audience": dict(audiences),
        "topic": dict(topics),
        "region": dict(regions),
    }
