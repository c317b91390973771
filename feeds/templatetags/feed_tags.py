"""Feed discovery: <link rel="alternate"> tags for the feeds that match the page being shown."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from feeds import params

register = template.Library()

FEED_TYPES = (
    ("rss", "application/rss+xml", "RSS"),
    ("atom", "application/atom+xml", "Atom"),
    ("json", "application/feed+json", "JSON Feed"),
)


def _slug(value):
    if isinstance(value, str):
        return value or None
    return getattr(value, "slug", None) or getattr(value, "code", None)


def page_filters(context):
    """The filters of the page in view: a listing's ``filters`` (type, audience, topic and region
    slugs, including an audience or topic page's own), or ``feed_audience`` / ``feed_topic``
    (an object with a slug, or the slug), else the query string. No database access."""
    listing = context.get("filters")
    if all(hasattr(listing, name) for name in ("kinds", "audiences", "topics", "regions")):
        pairs = []
        for name, values in (
            ("type", listing.kinds),
            ("audience", listing.audiences),
            ("topic", listing.topics),
            ("region", listing.regions),
        ):
            pairs += [(name, _slug(value)) for value in values if _slug(value)]
        return pairs
    audience = _slug(context.get("feed_audience"))
    topic = _slug(context.get("feed_topic"))
    if audience or topic:
        pairs = [("audience", audience)] if audience else []
        return pairs + ([("topic", topic)] if topic else [])
    request = context.get("request")
    if request is None or not request.GET:
        return []
    try:
        query = params.parse(request.GET, request.META.get("QUERY_STRING", ""))
    except params.BadParameters:
        return []
    return query.filter_pairs()


@register.inclusion_tag("components/feed_links.html", takes_context=True)
def feed_alternate_links(context):
    query_string = urlencode(page_filters(context))
    suffix = f"?{query_string}" if query_string else ""
    return {
        "feed_links": [
            {
                "href": reverse(f"feeds:{kind}") + suffix,
                "type": mime_type,
                "title": _("科普青城订阅（%(format)s）") % {"format": label},
            }
            for kind, mime_type, label in FEED_TYPES
        ]
    }
