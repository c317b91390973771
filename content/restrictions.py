"""View restrictions without a query per request in the usual case: no restriction anywhere.

Wagtail checks every served page's restrictions (its own and its ancestors', resolving aliases)
with two queries. Whether the site has any restriction at all is cached under the content
generation, which moves on when a restriction is saved or deleted; only when one exists are the
page's restrictions looked up as Wagtail does.
"""

from . import caching


def any_view_restriction():
    from wagtail.models import PageViewRestriction

    return caching.remembered(
        caching.key("content:any-view-restriction"), PageViewRestriction.objects.exists
    )


def cached_view_restrictions(page):
    """``Page.get_view_restrictions()``; an empty queryset (which never queries) when the site
    has no view restrictions at all. Callers in the admin order and filter it, so it stays a
    queryset."""
    from wagtail.models import Page, PageViewRestriction

    if not any_view_restriction():
        return PageViewRestriction.objects.none()
    return Page.get_view_restrictions(page)
