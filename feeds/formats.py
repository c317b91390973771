"""Writing the three feed formats from item descriptions (see ``feeds.items``)."""

import json
import re
from urllib.parse import urlsplit

from django.utils import feedgenerator
from django.utils.html import escape
from django.utils.translation import gettext as _

MEDIA_NS = "http://search.yahoo.com/mrss/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
JSON_FEED_TYPE = "application/feed+json"

# What XML 1.0 cannot carry. Input refuses control characters now, but text stored before (or
# written around the forms) must not turn a feed into a 500 for every reader: it is dropped.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """``value`` (text, or dicts and lists of it) without the characters XML 1.0 forbids."""
    if isinstance(value, str):
        return XML_ILLEGAL.sub("", value)
    if isinstance(value, dict):
        return {key: xml_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(item) for item in value)
    return value


def categories(item):
    """Audience labels, then topics: what readers show as the item's categories."""
    return [audience["name"] for audience in item["audiences"]] + [
        topic["name"] for topic in item["topics"]
    ]


def enclosure(item):
    video = item.get("video")
    if video and video.get("url"):
        return feedgenerator.Enclosure(
            video["url"], str(video["size_in_bytes"]), video["mime_type"]
        )
    return None


def _entry_id(item):
    host = urlsplit(item["url"]).hostname or "localhost"
    return f"tag:{host},2026:content/{item['id']}"


def _media_elements(handler, item):
    image = item.get("image")
    if image:
        large = image["renditions"]["large"]
        thumb = image["renditions"]["thumbnail"]
        handler.addQuickElement(
            "media:thumbnail",
            "",
            {"url": thumb["url"], "width": str(thumb["width"]), "height": str(thumb["height"])},
        )
        handler.addQuickElement(
            "media:content",
            "",
            {
                "url": large["url"],
                "medium": "image",
                "width": str(large["width"]),
                "height": str(large["height"]),
            },
        )
    video = item.get("video")
    if video and video.get("url"):
        handler.addQuickElement(
            "media:content",
            "",
            {
                "url": video["url"],
                "type": video["mime_type"],
                "medium": "video",
                "fileSize": str(video["size_in_bytes"]),
                "duration": str(video["duration_in_seconds"]),
            },
        )


class RssFeed(feedgenerator.Rss201rev2Feed):
    content_type = "application/rss+xml; charset=utf-8"

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:media": MEDIA_NS, "xmlns:content": CONTENT_NS}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed.get("hub_url"):
            handler.addQuickElement("atom:link", None, {"rel": "hub", "href": self.feed["hub_url"]})

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        data = item["data"]
        handler.addQuickElement("content:encoded", data["content_html"])
        if data["updated"]:
            handler.addQuickElement("atom:updated", feedgenerator.rfc3339_date(data["updated"]))
        _media_elements(handler, data)


class AtomFeed(feedgenerator.Atom1Feed):
    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed.get("hub_url"):
            handler.addQuickElement("link", "", {"rel": "hub", "href": self.feed["hub_url"]})

    def add_item_elements(self, handler, item):
        data = item["data"]
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", data["content_html"], {"type": "html"})
        image = data.get("image")
        if image:
            large = image["renditions"]["large"]
            handler.addQuickElement("link", "", {"rel": "related", "href": large["url"]})
        _media_elements(handler, data)


def _summary_html(item):
    """The summary, plus the hazard and action lines for emergency explainers: what a reader
    shows in a list must already tell people what to do."""
    summary = escape(item["summary"])
    review = item.get("review")
    if review and review["emergency"]:
        # Published without review: readers are told so first, as on the page itself.
        summary = f"{escape(review['label'])}<br>{summary}"
    emergency = item.get("emergency")
    if not emergency:
        return summary
    actions = "；".join(escape(line) for line in emergency["actions"])
    return (
        f"{summary}<br>{escape(_('灾害类型：'))}{escape(emergency['hazard_label'])}"
        f"（{escape(emergency['phase_label'])}）<br>{escape(_('行动要点：'))}{actions}"
    )


def _syndication(feed_class, meta, items):
    meta, items = xml_safe(meta), xml_safe(items)
    feed = feed_class(
        title=meta["title"],
        link=meta["home_page_url"],
        description=meta["description"],
        language="zh-CN",
        feed_url=meta["feed_url"],
        author_name=_("科普青城"),
        hub_url=meta.get("hub_url"),
    )
    for item in items:
        feed.add_item(
            title=item["title"],
            link=item["url"],
            description=_summary_html(item),
            pubdate=item["published"],
            updateddate=item["updated"],
            unique_id=item["url"] if feed_class is RssFeed else _entry_id(item),
            unique_id_is_permalink=True if feed_class is RssFeed else None,
            categories=categories(item),
            enclosures=[enclosure(item)] if enclosure(item) else None,
            data=item,
        )
    return feed.writeString("utf-8").encode("utf-8")


def render_rss(meta, items):
    return _syndication(RssFeed, meta, items)


def render_atom(meta, items):
    return _syndication(AtomFeed, meta, items)


def _json_item(item):
    entry = {
        "id": str(item["id"]),
        "url": item["url"],
        "title": item["title"],
        "content_html": item["content_html"],
        "summary": item["summary"],
        "date_published": item["published"].isoformat() if item["published"] else None,
        "date_modified": item["updated"].isoformat() if item["updated"] else None,
        "tags": categories(item),
        "language": "zh-CN",
    }
    image = item.get("image")
    if image:
        entry["image"] = image["renditions"]["large"]["url"]
        entry["banner_image"] = image["renditions"]["medium"]["url"]
    video = item.get("video")
    if video and video.get("url"):
        entry["attachments"] = [
            {
                "url": video["url"],
                "mime_type": video["mime_type"],
                "title": item["title"],
                "size_in_bytes": video["size_in_bytes"],
                "duration_in_seconds": video["duration_in_seconds"],
            }
        ]
    emergency = item.get("emergency")
    entry["_kepu"] = {
        "about": item["kepu_about"],
        "type": item["type"],
        "audiences": [audience["slug"] for audience in item["audiences"]],
        "topics": [topic["name"] for topic in item["topics"]],
        "regions": [region["code"] for region in item["regions"]],
        "hazard": emergency["hazard"] if emergency else None,
        "phase": emergency["phase"] if emergency else None,
        "actions": emergency["actions"] if emergency else [],
        "review": item["review"]["label"] if item.get("review") else None,
    }
    return {key: value for key, value in entry.items() if value is not None}


def render_json(meta, items):
    feed = {
        "version": JSON_FEED_VERSION,
        "title": meta["title"],
        "home_page_url": meta["home_page_url"],
        "feed_url": meta["feed_url"],
        "description": meta["description"],
        "icon": meta["icon"],
        "favicon": meta["favicon"],
        "language": "zh-CN",
        "authors": [{"name": str(_("科普青城")), "url": meta["site_url"]}],
    }
    if meta.get("next_url"):
        feed["next_url"] = meta["next_url"]
    if meta.get("hub_url"):
        feed["hubs"] = [{"type": "WebSub", "url": meta["hub_url"]}]
    feed["items"] = [_json_item({**item, "kepu_about": meta["about_url"]}) for item in items]
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


FORMATS = {
    "rss": (render_rss, "application/rss+xml; charset=utf-8"),
    "atom": (render_atom, "application/atom+xml; charset=utf-8"),
    "json": (render_json, JSON_FEED_TYPE),
}
