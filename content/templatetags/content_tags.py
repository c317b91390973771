from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from wagtail.images.models import Filter, Picture, SourceImageIOError

from content.fragments import cached

register = template.Library()


@register.filter
def duration(seconds):
    """A video length the way Chinese captions say it: 1分35秒."""
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        return ""
    if seconds <= 0:
        return ""
    minutes, seconds = divmod(seconds, 60)
    if not minutes:
        return _("%(seconds)d秒") % {"seconds": seconds}
    return _("%(minutes)d分%(seconds)d秒") % {"minutes": minutes, "seconds": seconds}


@register.filter
def iso_duration(seconds):
    """The same length as an ISO 8601 duration for <time datetime>."""
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        return ""
    return f"PT{seconds // 60}M{seconds % 60}S"


# Cards are drawn at most ~22rem wide: WebP and JPEG at two widths, the renditions Wagtail's
# ``{% picture image fill-{320x180,640x360} format-{webp,jpeg} %}`` makes. The Filter objects are
# built once per process rather than parsed for every card; content.listing prefetches exactly
# these renditions.
CARD_FILTERS = tuple(
    Filter(spec) for spec in Filter.expand_spec("fill-{320x180,640x360}|format-{webp,jpeg}")
)
CARD_ATTRS = {
    "sizes": "(min-width: 64rem) 22rem, (min-width: 40rem) 45vw, 100vw",
    "alt": "",
    "loading": "lazy",
    "decoding": "async",
}


@register.simple_tag
def card_picture(image):
    """A card's cover as Wagtail's ``{% picture %}`` draws it (the image is decorative there: the
    card's title says what it is, so its alt is empty). A tag of ours only because Wagtail draws
    a missing original file as ``<img src="not-found">``, a broken request on every listing;
    here the card is shown without a picture."""
    if image is None:
        return ""
    try:
        renditions = image.get_renditions(*CARD_FILTERS)
    except SourceImageIOError:
        return ""
    return Picture(renditions, dict(CARD_ATTRS)).__html__()


class ContentFragmentNode(template.Node):
    def __init__(self, nodelist, name, parts):
        self.nodelist = nodelist
        self.name = name
        self.parts = parts

    def render(self, context):
        parts = [part.resolve(context) for part in self.parts]
        html = cached(
            context.get("request"), self.name, parts, lambda: str(self.nodelist.render(context))
        )
        return mark_safe(html)  # noqa: S308 - the cached value is this template's own output


@register.tag
def content_fragment(parser, token):
    """``{% content_fragment "name" value ... %}...{% endcontent_fragment %}``: the enclosed
    output is cached under the content generation, the site and the given values. Only for parts
    that depend on content alone, never on the visitor (see ``content.fragments``)."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("content_fragment needs a quoted name")
    name = bits[1].strip("\"'")
    parts = [parser.compile_filter(bit) for bit in bits[2:]]
    nodelist = parser.parse(("endcontent_fragment",))
    parser.delete_first_token()
    return ContentFragmentNode(nodelist, name, parts)
