from django import template
from wagtail.models import Site

register = template.Library()


@register.inclusion_tag("components/main_navigation.html", takes_context=True)
def main_navigation(context):
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    root = site.root_page if site else None
    items = root.get_children().live().in_menu().only("title", "url_path") if root else []
    current = context.get("page")
    return {
        "root": root,
        "items": items,
        "current_path": getattr(current, "url_path", ""),
        "request": request,
    }


@register.simple_tag(takes_context=True)
def reading_mode_url(context, mode):
    request = context["request"]
    from django.urls import reverse
    from django.utils.http import urlencode

    return f"{reverse('reading_mode', args=[mode])}?{urlencode({'next': request.get_full_path()})}"
