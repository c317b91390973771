"""Manifest versions: a screen's configuration version plus the content generation plus the day.

- ``Screen.config_version`` counts changes to the screen, its groups, playlists and schedules.
  It is bumped in the database and mirrored in the token cache entry (see ``screens.auth``),
  once at once and once more after commit, so a manifest built from uncommitted-invisible rows
  in between is never reused.
- The content generation (``content.caching``, shared with page fragments and feeds) is one
  token replaced by every publish, unpublish, save, move or delete of a page and of what it
  shows, in this process or any other on the same database. A content change thus makes every
  screen rebuild on its next poll; rebuilding is cheap because resolved playlists and item
  descriptions are shared.
- The local date: a manifest covers the next 7 days, so it is rebuilt once a day.

Nothing here reads the database on the poll path, but for the generation's shared part, read
at most once per second per process.
"""

import threading

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from content import caching
from content import generation as content_generation
from content.caching import current_generation

from . import auth
from .signals import manifest_changed


def day_stamp(now=None):
    return timezone.localtime(now or timezone.now()).strftime("%Y%m%d")


def manifest_version(config_version, generation, now=None):
    return f"{config_version}.{generation}.{day_stamp(now)}"


def etag(version):
    return f'"{version}"'


def etag_matches(if_none_match, version):
    """True when an If-None-Match header names this version (weak or strong, or ``*``)."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag(version) in tags or "*" in tags


def cached_poll_version(raw_token):
    """(screen_id, manifest version) from the cache alone, or None when anything is missing.

    One ``get_many`` fetches the token entry and the content generation together (one round trip
    to Redis); the generation's shared part costs at most one cheap query per second per process
    (see ``content.generation``). A miss means "ask the full path", which falls back to the
    database and refills.
    """
    if not auth.valid_shape(raw_token):
        return None
    token_key = auth.token_cache_key(auth.hash_token(raw_token))
    found, generation = caching.get_many_with_generation([token_key])
    entry = found.get(token_key)
    if entry is None or generation is None:
        return None
    screen_id, config_version = entry
    return screen_id, manifest_version(config_version, generation)


def current_versions(screen_ids=None):
    """{screen_id: version} for enabled screens (all, or the given ids)."""
    from .models import Screen

    queryset = Screen.objects.filter(enabled=True)
    if screen_ids is not None:
        queryset = queryset.filter(pk__in=screen_ids)
    generation = current_generation()
    return {
        pk: manifest_version(config, generation)
        for pk, config in queryset.values_list("pk", "config_version")
    }


def _announce(screen_ids=None):
    versions = current_versions(screen_ids)
    if versions:
        manifest_changed.send(sender=None, screen_ids=sorted(versions), version=versions)


def announce():
    """Content changed, so every screen's manifest version has changed: say so. Called from
    ``content_changed``, after commit and after the token has moved on, so the versions
    announced here are the ones polls will see."""
    _announce()


_watch_lock = threading.Lock()
_watched = {"counter": None}


def announce_foreign_change():
    """Announce a content change committed by another process; True if there was one.

    With Redis, the process that saved the change publishes to every worker. In the embedded
    default the broker is this process alone, so a change from ``manage.py import_content`` or a
    shell would reach no stream: open streams call this about once a second (``events``), and
    the first to see the shared counter move tells every screen its new version, as a local
    change does. A change this process committed itself was announced already."""
    counter, local = content_generation.shared_state()
    with _watch_lock:
        seen = _watched["counter"]
        _watched["counter"] = counter
    if seen is None or counter in (seen, local):
        return False
    _announce()
    return True


def _bump_rows(screen_ids):
    from .models import Screen

    queryset = (
        Screen.objects.all() if screen_ids is None else Screen.objects.filter(pk__in=screen_ids)
    )
    queryset.update(config_version=F("config_version") + 1)
    screens = list(queryset.only("pk", "token_hash", "enabled", "config_version"))
    # One round trip for all: an alert may bump a thousand screens while they wait for it.
    auth.remember_many(screen for screen in screens if screen.enabled)
    auth.forget_many(screen.token_hash for screen in screens if not screen.enabled)


def bump_screens(screen_ids=None):
    """The configuration of these screens (None: all) changed."""
    if screen_ids is not None:
        screen_ids = sorted(set(screen_ids))
        if not screen_ids:
            return
    _bump_rows(screen_ids)

    def after_commit():
        _bump_rows(screen_ids)
        _announce(screen_ids)

    transaction.on_commit(after_commit)
