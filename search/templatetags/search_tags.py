import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def highlight(text, words):
    """The text, escaped, with every occurrence of the query words wrapped in <mark>. The
    backends match substrings, so highlighting literal substrings shows exactly what matched."""
    text = escape(text or "")
    words = sorted({escape(word) for word in words or () if word}, key=len, reverse=True)
    if not words:
        return mark_safe(text)  # noqa: S308 - escaped above
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    return mark_safe(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", text))  # noqa: S308
