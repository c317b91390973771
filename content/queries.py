"""Reading content across the four page types: published, live, filtered.

What the public may see is decided here and nowhere else: ``published_content`` (and
``live_content`` on it) for querysets, ``is_public`` for one page in memory. Both ask the same
question: live, carrying a review record (a science review, a trusted import, or an emergency
publish that names who published it), not expired, and, for lists, not behind a view
restriction (a restricted page itself answers with Wagtail's login or password form).
Listings, page serving, search, feeds, the content API, screens and the catalogue all use them.

Counts per facet over a set of pages are answered from memory by ``search.catalogue``.

Audiences and regions are many-to-many fields on each concrete page type (the base page is
abstract), so cross-type filters are unions of per-type subqueries on the link tables; topics
are keyed to Page and filter directly. Every function costs a fixed number of queries.
"""

from django.db.models import Q
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction

from .generation import current_generation
from .models import CONTENT_KINDS, CONTENT_PAGE_MODELS


def with_review_record():
    """Condition on Page rows: the content carries a review record. The record is stored on each
    concrete type (the base page is abstract), so this is a union of per-type subqueries."""
    condition = Q(pk__in=[])
    for model in CONTENT_PAGE_MODELS:
        records = model.objects.exclude(reviewed_by="", emergency_published_by="")
        condition |= Q(pk__in=records.values("pk"))
    return condition


def has_review_record(page):
    return bool(page.reviewed_by or page.emergency_published_by)


def is_public(page, now=None):
    """``live_content``'s question for one content page already in memory (no query)."""
    now = now or timezone.now()
    return (
        page.live and has_review_record(page) and (page.expire_at is None or page.expire_at > now)
    )


def published_content():
    """Published, public content pages of every type (as Page rows), expired or not."""
    queryset = Page.objects.live().type(*CONTENT_PAGE_MODELS).filter(with_review_record())
    # Wagtail's public(), without its query for the restrictions on every call
    for path in _restricted_paths():
        queryset = queryset.exclude(path__startswith=path)
    return queryset


_restricted = (None, ())


def _restricted_paths():
    """Tree paths of the pages with view restrictions (each restricts its whole subtree),
    remembered per content generation: saving or deleting a restriction moves it on."""
    global _restricted
    generation = current_generation()  # before the query, as search.catalogue explains
    if _restricted[0] != generation:
        paths = PageViewRestriction.objects.values_list("page__path", flat=True)
        _restricted = (generation, tuple(paths))
    return _restricted[1]


def live_content(request_site=None):
    """Published, public, unexpired content pages of every type, newest first (as Page rows)."""
    queryset = published_content().filter(
        Q(expire_at__isnull=True) | Q(expire_at__gt=timezone.now())
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


def regions_within(codes):
    """The regions with these codes and every region below them (a queryset; finding the
    regions' tree paths costs one query now)."""
    from .models import Region

    condition = Q(pk__in=[])
    for path in Region.objects.filter(code__in=codes).values_list("path", flat=True):
        condition |= Q(path__startswith=path)
    return Region.objects.filter(condition)


def region_ids_within(codes):
    return list(regions_within(codes).values_list("pk", flat=True))
