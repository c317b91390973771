"""Full content as self-contained HTML for feed readers: plain elements, absolute URLs.

Feed readers show content outside the site, without its CSS or block templates, so the body is
rendered here from the StreamField values rather than through the page templates.
"""

import re
from urllib.parse import urljoin

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from wagtail.rich_text import expand_db_html

BODY_IMAGE_RENDITION = "max-1200x1200"
_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src|poster)=")(/[^/"][^"]*|/)(")', re.IGNORECASE)
_SRCSET = re.compile(r'(\ssrcset=")([^"]*)(")', re.IGNORECASE)


def absolutise(html, base):
    """Make root-relative href/src/poster/srcset URLs absolute against ``base``."""
    html = _URL_ATTRIBUTE.sub(lambda m: m.group(1) + urljoin(base, m.group(2)) + m.group(3), html)

    def fix_srcset(match):
        parts = []
        for candidate in match.group(2).split(","):
            bits = candidate.strip().split(" ", 1)
            if bits[0].startswith("/") and not bits[0].startswith("//"):
                bits[0] = urljoin(base, bits[0])
            parts.append(" ".join(bits))
        return match.group(1) + ", ".join(parts) + match.group(3)

    return _SRCSET.sub(fix_srcset, html)


def image_html(image, alt=None, caption=""):
    if image is None:
        return ""
    try:
        rendition = image.get_rendition(BODY_IMAGE_RENDITION)
    except OSError:  # the source file is missing or unreadable
        return ""
    alt_text = image.description if alt is None else alt
    figure = format_html(
        '<img src="{}" width="{}" height="{}" alt="{}">',
        rendition.url,
        rendition.width,
        rendition.height,
        alt_text or "",
    )
    if caption:
        return format_html("<figure>{}<figcaption>{}</figcaption></figure>", figure, caption)
    return format_html("<figure>{}</figure>", figure)


def _table_html(value):
    data = (value or {}).get("data") or []
    if not data:
        return ""
    first_row_header = (value or {}).get("first_row_is_table_header")
    rows = []
    for index, row in enumerate(data):
        cell = "th" if first_row_header and index == 0 else "td"
        cells = "".join(f"<{cell}>{escape(text or '')}</{cell}>" for text in row)
        rows.append(f"<tr>{cells}</tr>")
    return mark_safe("<table>" + "".join(rows) + "</table>")  # noqa: S308 - every cell escaped


def block_html(block):
    kind, value = block.block_type, block.value
    if kind == "paragraph":
        return mark_safe(expand_db_html(value.source))  # noqa: S308 - editor rich text
    if kind == "image":
        image = value.get("image")
        alt = getattr(image, "contextual_alt_text", None)
        return image_html(image, alt=alt, caption=value.get("caption") or "")
    if kind == "key_points":
        return format_html(
            "<h3>{}</h3><ul>{}</ul>",
            value.get("heading") or "",
            format_html_join("", "<li>{}</li>", ((point,) for point in value.get("points") or [])),
        )
    if kind == "quote":
        source = value.get("source")
        cite = format_html("<footer>{}</footer>", source) if source else ""
        return format_html("<blockquote><p>{}</p>{}</blockquote>", value.get("text") or "", cite)
    if kind == "table":
        return _table_html(value)
    if kind == "video":
        video = value.get("video")
        if video is None or not video.file:
            return ""
        return format_html(
            '<figure><video src="{}" controls preload="none"></video>{}</figure>',
            video.url,
            format_html("<figcaption>{}</figcaption>", value["caption"])
            if value.get("caption")
            else "",
        )
    return block.block.render_basic(value)


def content_html(page, base):
    """The page's full content as HTML, with the type-specific parts a reader needs."""
    parts = []
    kind = page.content_kind
    if page.cover_image_id:
        parts.append(image_html(page.cover_image))
    if kind == "emergency":
        parts.append(
            format_html(
                "<p><strong>{}</strong>{}（{}）</p>",
                _("灾害类型："),
                page.get_hazard_display(),
                page.get_phase_display(),
            )
        )
        parts.append(
            format_html(
                "<h2>{}</h2><ol>{}</ol>",
                _("行动要点"),
                format_html_join("", "<li>{}</li>", ((line,) for line in page.action_lines)),
            )
        )
    if kind == "video" and page.video_id and page.video and page.video.file:
        parts.append(
            format_html('<p><video src="{}" controls preload="none"></video></p>', page.video.url)
        )
    if kind == "comic":
        for panel in page.panels.all():
            parts.append(image_html(panel.image, alt=panel.alt, caption=panel.text))
    for block in page.body:
        parts.append(block_html(block))
    if kind == "video" and page.transcript:
        parts.append(
            format_html(
                "<h2>{}</h2>{}",
                _("文字稿"),
                format_html_join(
                    "", "<p>{}</p>", ((line,) for line in page.transcript.splitlines() if line)
                ),
            )
        )
    return absolutise("".join(str(part) for part in parts), base)
