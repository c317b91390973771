"""The manifest: a screen's settings and its schedule for the next 7 days, with verifiable media.

Built once per manifest version and kept in the cache; the per-request fields (``server_time``,
``poll_seconds`` with jitter) are added when answering. Resolved playlists and item descriptions
are cached per content generation, so after a content change the screens that share playlists
and sizes share the work of rebuilding.
"""

import hashlib
import mimetypes
import os
import random

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from wagtail.models import Page

from content import caching
from content.caching import current_generation
from content.models import EmergencyGuidePage, VideoPage

from . import alerting, auth, resolve, versions
from .models import MediaDigest, Screen

MANIFEST_TIMEOUT = 26 * 3600
PART_TIMEOUT = 3600
DEFAULT_POLL_SECONDS = 300
CARD_SECONDS, PANEL_SECONDS = 15, 8
MIME_OVERRIDES = {".vtt": "text/vtt", ".webp": "image/webp", ".mp4": "video/mp4"}


def poll_seconds():
    return int(getattr(settings, "SCREENS_POLL_SECONDS", DEFAULT_POLL_SECONDS))


def jittered_poll_seconds():
    base = poll_seconds()
    # ±10% spreads 10,000 screens that came up together (after a power cut) over the interval.
    return max(5, round(base * random.uniform(0.9, 1.1)))  # noqa: S311 - load spreading only


def manifest_cache_key(screen_id, version):
    return f"screens:manifest:{screen_id}:{version}"


# --- media -------------------------------------------------------------------------------


def _mime(name):
    extension = os.path.splitext(name)[1].lower()
    return (
        MIME_OVERRIDES.get(extension) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    )


def _stat(file):
    storage = file.storage
    try:
        stat = os.stat(storage.path(file.name))
        return stat.st_size, stat.st_mtime_ns
    except NotImplementedError:
        return storage.size(file.name), int(storage.get_modified_time(file.name).timestamp() * 1e9)


def digests(files):
    """{file name: (sha256, bytes)} for stored files; hashes are computed once and kept."""
    wanted = {}
    for file in files:
        try:
            wanted[file.name] = (file, *_stat(file))
        except OSError:
            continue  # a missing file is left out rather than listed with a wrong hash
    known = {row.name: row for row in MediaDigest.objects.filter(name__in=list(wanted))}
    result = {}
    for name, (file, size, mtime_ns) in wanted.items():
        row = known.get(name)
        if row is None or row.size != size or row.mtime_ns != mtime_ns:
            sha = hashlib.sha256()
            with file.storage.open(name, "rb") as handle:
                for chunk in iter(lambda handle=handle: handle.read(1 << 20), b""):
                    sha.update(chunk)
            row, _ = MediaDigest.objects.update_or_create(
                name=name, defaults={"size": size, "mtime_ns": mtime_ns, "sha256": sha.hexdigest()}
            )
        result[name] = (row.sha256, row.size)
    return result


# --- items ---------------------------------------------------------------------------------


def item_id(page_id, card_seconds, panel_seconds):
    if (card_seconds, panel_seconds) == (CARD_SECONDS, PANEL_SECONDS):
        return str(page_id)
    return f"{page_id}.{card_seconds}.{panel_seconds}"


def page_id_of(item):
    """The page id an item id names, or None when it is not one of ours."""
    head = str(item).split(".", 1)[0]
    return int(head) if head.isdigit() and len(head) < 18 else None


def _page_url(page):
    url = page.get_url() or ""
    return url if url.startswith("http") else settings.SITE_URL + url


def describe(page, width, height, card_seconds, panel_seconds):
    """The manifest entry for one content page on a screen of this size, or None if unplayable."""
    kind_of = {"article": "card", "emergency": "card", "video": "video", "comic": "comic"}
    content_type = page.content_kind
    media, files = [], []

    def add(role, file, url, alt=""):
        media.append({"role": role, "url": url, "mime": _mime(file.name), "alt": alt, "file": file})
        files.append(file)
        return len(media) - 1

    cover = page.cover_image
    if cover is not None:
        rendition = cover.get_rendition(f"fill-{width}x{height}|format-webp")
        add(
            "poster" if content_type == "video" else "image",
            rendition.file,
            rendition.url,
            cover.default_alt_text or "",
        )
    entry = {
        "page_id": page.pk,
        "kind": kind_of[content_type],
        "content_type": content_type,
        "title": page.title,
        "duration": float(card_seconds),
        "summary": page.summary,
        "actions": [],
        "hazard": None,
        "url": _page_url(page),
    }
    # Stated as every public surface states it; the player shows it when it says "unreviewed".
    entry["review"] = page.review_label
    entry["unreviewed"] = bool(page.emergency_published_by)
    if isinstance(page, EmergencyGuidePage):
        entry["actions"] = page.action_lines
        entry["hazard"] = page.hazard
    elif isinstance(page, VideoPage):
        if page.video is None or not page.video.file:
            return None
        add("video", page.video.file, page.video.file.url, page.title)
        if page.captions is not None and page.captions.file:
            add("captions", page.captions.file, page.captions.url, "zh-Hans")
        if cover is None and page.video.thumbnail:
            add("poster", page.video.thumbnail, page.video.thumbnail.url)
        entry["duration"] = float(page.duration or page.video.duration or card_seconds)
    elif page.content_kind == "comic":
        panels = []
        for panel in page.panels.all():
            rendition = panel.image.get_rendition(f"max-{width}x{height}|format-webp")
            index = add("panel", rendition.file, rendition.url, panel.alt)
            panels.append({"media": index, "text": panel.text, "duration": float(panel_seconds)})
        if not panels:
            return None
        entry["panels"] = panels
        entry["duration"] = float(panel_seconds * len(panels))
    hashes = digests(files)
    for item in media:
        file = item.pop("file")
        if file.name not in hashes:
            return None
        item["sha256"], item["bytes"] = hashes[file.name]
    entry["media"] = media
    return entry


def describe_many(page_ids, width, height, card_seconds, panel_seconds, generation):
    """{page_id: entry or None}, shared through the cache by all screens of this size."""
    keys = {
        page_id: caching.key(
            "screens:item",
            page_id,
            f"{width}x{height}",
            f"{card_seconds}.{panel_seconds}",
            generation=generation,
        )
        for page_id in page_ids
    }
    cached = cache.get_many(list(keys.values()))
    result = {page_id: cached[key]["entry"] for page_id, key in keys.items() if key in cached}
    missing = [page_id for page_id in page_ids if page_id not in result]
    if missing:
        pages = Page.objects.filter(pk__in=missing).specific().select_related("cover_image")
        fresh = {}
        for page in pages:
            entry = describe(page, width, height, card_seconds, panel_seconds)
            result[page.pk] = entry
            fresh[keys[page.pk]] = {"entry": entry}
        cache.set_many(fresh, PART_TIMEOUT)
    return result


# --- the manifest --------------------------------------------------------------------------


def _iso(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds")


class _Memo:
    """Resolved playlists for one content generation, shared by every screen built after it."""

    def __init__(self, generation, now):
        self.generation = generation
        self.now = now

    def entries_for(self, playlist):
        key = caching.key(
            "screens:playlist",
            playlist.pk,
            playlist.updated_at.timestamp(),
            generation=self.generation,
        )
        entries = cache.get(key)
        if entries is None:
            entries = resolve.playlist_entries(playlist, self.now)
            cache.set(key, entries, PART_TIMEOUT)
        return entries

    def default_for(self, screen):
        audiences = sorted(screen.audiences.values_list("pk", flat=True))
        key = caching.key(
            "screens:default", screen.region_id, audiences, generation=self.generation
        )
        entries = cache.get(key)
        if entries is None:
            entries = resolve.default_entries(screen.region, audiences)
            cache.set(key, entries, PART_TIMEOUT)
        return entries


def build(screen, now=None):
    """The cacheable part of a screen's manifest (no server_time / poll_seconds)."""
    now = now or timezone.now()
    generation = current_generation()
    # The version is read before the data: a change during the build gives a newer version.
    version = versions.manifest_version(screen.config_version, generation, now)
    memo = _Memo(generation, now)
    layers = resolve.screen_layers(
        screen, now, entries_for=memo.entries_for, default_for=memo.default_for
    )
    start, end = resolve.horizon(now)
    windows = resolve.resolve_windows(layers, start, end)
    items, schedule = {}, []
    descriptions = {}
    for first, last, layer, entries in windows:
        playlist = layer.playlist
        card = playlist.card_seconds if playlist else CARD_SECONDS
        panel = playlist.panel_seconds if playlist else PANEL_SECONDS
        wanted = [
            page_id for page_id, _, _ in entries if (page_id, card, panel) not in descriptions
        ]
        if wanted:
            found = describe_many(wanted, screen.width, screen.height, card, panel, generation)
            for page_id in wanted:
                descriptions[(page_id, card, panel)] = found.get(page_id)
        loop = []
        for page_id, _, _ in resolve.loop_order(layer, entries):
            entry = descriptions.get((page_id, card, panel))
            if entry is None:
                continue
            identifier = item_id(page_id, card, panel)
            items.setdefault(identifier, {"id": identifier, **entry})
            loop.append(identifier)
        if not loop:
            continue
        schedule.append(
            {
                "starts_at": _iso(first),
                "ends_at": _iso(last),
                "priority": layer.priority,
                "playlist": layer.name,
                "emergency": layer.emergency,
                "items": loop,
            }
        )
    return {
        "version": version,
        "valid_until": _iso(end),
        "screen": {
            "id": screen.pk,
            "name": screen.name,
            "region": screen.region.code,
            "place": screen.place,
            "orientation": screen.orientation,
            "width": screen.width,
            "height": screen.height,
        },
        "items": items,
        "schedule": schedule,
        # Emergency alerts above whatever the schedule plays (``screens.alerting``).
        "alerts": alerting.alert_cards(screen, now),
    }


def cached_manifest(screen_id, version):
    return cache.get(manifest_cache_key(screen_id, version))


def manifest_for(screen_id, now=None):
    """(version, manifest dict) for an enabled screen, from the cache or built and cached."""
    screen = (
        Screen.objects.select_related("region", "playlist")
        .filter(pk=screen_id, enabled=True)
        .first()
    )
    if screen is None:
        return None, None
    # Heal a token cache entry that missed a bump, so the next poll's ETag matches this one.
    auth.remember(screen)
    version = versions.manifest_version(screen.config_version, current_generation(), now)
    manifest = cached_manifest(screen.pk, version)
    if manifest is None:
        manifest = build(screen, now)
        cache.set(manifest_cache_key(screen.pk, manifest["version"]), manifest, MANIFEST_TIMEOUT)
    return manifest["version"], manifest


def respond(manifest, now=None):
    """The manifest as sent: the cached part plus this answer's server time and poll interval."""
    return {
        **manifest,
        "server_time": _iso(now or timezone.now()),
        "poll_seconds": jittered_poll_seconds(),
    }
