"""One description of a content item, read in a fixed number of queries, for every output format
(RSS, Atom, JSON Feed, the content API)."""

import mimetypes
import zoneinfo
from urllib.parse import urljoin

from django.db.models import prefetch_related_objects
from wagtail.models import Page

from .html import content_html

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
IMAGE_RENDITIONS = {"thumbnail": "fill-320x180", "medium": "fill-640x360", "large": "max-1200x1200"}
PREFETCH = {
    "article": ["audiences", "regions", "tags", "cover_image"],
    "video": ["audiences", "regions", "tags", "cover_image", "video", "captions"],
    "comic": ["audiences", "regions", "tags", "cover_image", "panels__image"],
    "emergency": ["audiences", "regions", "tags", "cover_image"],
}


def local(moment):
    return moment.astimezone(SHANGHAI) if moment else None


def load_pages(ids):
    """The specific pages with these ids, in this order, their relations prefetched."""
    pages = {page.pk: page for page in Page.objects.filter(pk__in=ids).specific()}
    ordered = [pages[pk] for pk in ids if pk in pages]
    for kind, lookups in PREFETCH.items():
        group = [page for page in ordered if page.content_kind == kind]
        if group:
            prefetch_related_objects(group, *lookups)
    return ordered


def _absolute(base, url):
    return urljoin(base, url) if url else None


def image_data(image, base):
    if image is None:
        return None
    renditions = {}
    try:
        for name, spec in IMAGE_RENDITIONS.items():
            rendition = image.get_rendition(spec)
            renditions[name] = {
                "url": _absolute(base, rendition.url),
                "width": rendition.width,
                "height": rendition.height,
            }
    except OSError:  # the source file is missing or unreadable
        return None
    return {"alt": image.description or image.title, "renditions": renditions}


def media_data(media, duration, base):
    if media is None or not media.file:
        return None
    try:
        size = media.file.size
    except OSError:
        size = 0
    mime_type = mimetypes.guess_type(media.file.name)[0] or "video/mp4"
    return {
        "url": _absolute(base, media.url),
        "mime_type": mime_type,
        "size_in_bytes": size,
        "duration_in_seconds": duration or media.duration or 0,
    }


def describe(page, request, base):
    """A dict describing one content page; ``base`` is the site's absolute root URL."""
    # Every content page sits under the default site; "/" only guards a misconfigured tree.
    relative = page.get_url(request=request) or "/"
    kind = page.content_kind
    item = {
        "id": page.pk,
        "type": kind,
        "type_label": str(page.content_kind_label),
        "title": page.title,
        "summary": page.summary,
        "url": _absolute(base, relative),
        "content_html": content_html(page, base),
        "image": image_data(page.cover_image, base),
        "audiences": [{"slug": a.slug, "name": a.name} for a in page.audiences.all()],
        "topics": [{"slug": t.slug, "name": t.name} for t in page.tags.all()],
        "regions": [{"code": r.code, "name": r.name} for r in page.regions.all()],
        "published": local(page.first_published_at),
        "updated": local(page.last_published_at or page.first_published_at),
        "source": page.source,
        "external_id": page.external_id,
        # Stated as every public surface states it, an emergency publish included.
        "review": review_out(page),
        "video": None,
        "emergency": None,
        "comic": None,
    }
    if kind == "video":
        item["video"] = media_data(page.video, page.duration, base) or {
            "url": None,
            "mime_type": None,
            "size_in_bytes": 0,
            "duration_in_seconds": page.duration,
        }
        item["video"]["captions_url"] = (
            _absolute(base, page.captions.url) if page.captions_id and page.captions else None
        )
        item["video"]["transcript"] = page.transcript
    elif kind == "emergency":
        item["emergency"] = {
            "hazard": page.hazard,
            "hazard_label": page.get_hazard_display(),
            "phase": page.phase,
            "phase_label": page.get_phase_display(),
            "actions": page.action_lines,
        }
    elif kind == "comic":
        item["comic"] = {
            "panels": [
                {
                    "image": image_data(panel.image, base),
                    "alt": panel.alt,
                    "text": panel.text,
                }
                for panel in page.panels.all()
            ]
        }
    return item


def describe_all(ids, request, base):
    return [describe(page, request, base) for page in load_pages(ids)]


def review_out(page):
    record = page.review_record
    if record is None:
        return None
    return {**record, "emergency": bool(record.get("emergency")), "label": page.review_label}
