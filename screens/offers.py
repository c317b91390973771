"""What each screen's manifests offered it, so that proof of play names only those items.

A token holder could otherwise report plays of any page (inflating a report with content the
screen never showed). Every manifest answered 200 records its items for that screen; a play is
accepted only for an item so recorded. The record is bounded: entries older than the window in
which plays are accepted, and beyond ``SCREENS_OFFERED_MAX`` per screen, are pruned when a new
manifest is recorded.
"""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .models import OfferedItem

# Plays older than this are refused anyway (screens.api), so older offers need not be kept.
KEEP = datetime.timedelta(days=30)
DEFAULT_MAX_PER_SCREEN = 2000
RECORDED_TIMEOUT = 26 * 3600


def max_per_screen():
    return int(getattr(settings, "SCREENS_OFFERED_MAX", DEFAULT_MAX_PER_SCREEN))


def _recorded_key(screen_id, version):
    return f"screens:offered:{screen_id}:{version}"


def record(screen_id, manifest, now=None):
    """Remember the items of a manifest sent to the screen (once per manifest version)."""
    key = _recorded_key(screen_id, manifest["version"])
    if cache.get(key):
        return
    now = now or timezone.now()
    items = list(manifest["items"])
    if items:
        OfferedItem.objects.bulk_create(
            [OfferedItem(screen_id=screen_id, item=item, offered_at=now) for item in items],
            update_conflicts=True,
            unique_fields=["screen", "item"],
            update_fields=["offered_at"],
        )
    _prune(screen_id, now, keep=max(max_per_screen(), len(items)))
    cache.set(key, 1, RECORDED_TIMEOUT)


def _prune(screen_id, now, keep):
    rows = OfferedItem.objects.filter(screen_id=screen_id)
    rows.filter(offered_at__lt=now - KEEP).delete()
    beyond = list(rows.order_by("-offered_at", "-pk").values_list("pk", flat=True)[keep:])
    if beyond:
        OfferedItem.objects.filter(pk__in=beyond).delete()


def not_offered(screen_id, items):
    """The items among ``items`` that no manifest of this screen offered."""
    from .manifest import manifest_for

    wanted = set(items)
    known = OfferedItem.objects.filter(screen_id=screen_id, item__in=wanted)
    missing = wanted - set(known.values_list("item", flat=True))
    if missing:
        # A screen may still hold a manifest it got before offers were recorded (an upgrade, a
        # lost cache marker): the current manifest stands for it.
        _version, manifest = manifest_for(screen_id)
        if manifest is not None:
            record(screen_id, manifest)
            missing -= set(manifest["items"])
    return missing
