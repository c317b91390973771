from django import template
from wagtail.models import Site

register = template.Library()


def _navigation(request, site):
    """The home link and the live in-menu children of the site's root, as plain data."""
    root = site.root_page
    items = root.get_children().live().in_menu().only("title", "url_path")
    return {
        "root": {"url": root.get_url(request), "url_path": root.url_path},
        "items": [
            {"title": item.title, "url": item.get_url(request), "url_path": item.url_path}
            for item in items
        ],
    }


@register.inclusion_tag("components/main_navigation.html", takes_context=True)
def main_navigation(context):
    from content.fragments import cached

    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    # The entries depend only on the page tree, so they are cached under the content generation;
    # which one is the current page is worked out here, per request.
    navigation = (
        cached(request, "main-navigation", (), lambda: _navigation(request, site))
        if site
        else {"root": None, "items": []}
    )
    current = context.get("page")
    return {
        **navigation,
        "current_path": getattr(current, "url_path", "") or "",
        "request": request,
    }


@register.simple_tag(takes_context=True)
def reading_mode_url(context, mode):
    request = context["request"]
    from django.urls import reverse
    from django.utils.http import urlencode

    return f"{reverse('reading_mode', args=[mode])}?{urlencode({'next': request.get_full_path()})}"
