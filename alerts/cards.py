"""The alert card: one alert as screens, the JSON API and the site's banner state it.

One shape for every surface (documented in docs/contracts.md), so a screen, a partner reading
``/api/v1/alerts`` and a resident reading the banner see the same words, colour and expiry.
"""

from django.db.models import Q
from django.utils import timezone

from .models import Alert


def _iso(moment):
    return None if moment is None else timezone.localtime(moment).isoformat(timespec="seconds")


def card(alert):
    """The card of an issued alert (or update)."""
    replaces = []
    if alert.replaces_id is not None:
        replaces.append(alert.replaces.identifier)
    return {
        "identifier": alert.identifier,
        "status": alert.status,
        "label": alert.label,
        "msg_type": alert.msg_type,
        "event": alert.event,
        "headline": alert.headline,
        "instruction": alert.instruction_lines,
        "severity": alert.severity,
        "rank": alert.rank,
        "colour": alert.colour,
        "colour_label": alert.colour_label,
        "sent": _iso(alert.sent),
        "onset": _iso(alert.onset),
        "expires": _iso(alert.expires),
        "url": alert.get_full_url(),
        "replaces": replaces,
    }


def full_card(alert):
    """The card with what a reader away from a screen also needs: areas, details, the CAP link."""
    return {
        **card(alert),
        "description": alert.description,
        "areas": [{"code": region.code, "name": region.name} for region in alert.areas.all()],
        "cap_url": alert.cap_url(),
    }


def ordered(alerts):
    """Most severe first, then the newest."""
    return sorted(
        alerts, key=lambda alert: (alert.rank, alert.sent or alert.created_at), reverse=True
    )


def covering(region, now=None):
    """Active alerts whose area is this region or one above it: what a screen there shows."""
    ancestors = [region.path[:end] for end in range(4, len(region.path) + 1, 4)]
    return ordered(
        Alert.objects.active(now)
        .filter(areas__path__in=ancestors)
        .distinct()
        .select_related("replaces")
    )


def touching(region, now=None):
    """Active alerts for this region, a place above it or a place within it (the API's filter)."""
    ancestors = [region.path[:end] for end in range(4, len(region.path) + 1, 4)]
    return ordered(
        Alert.objects.active(now)
        .filter(Q(areas__path__in=ancestors) | Q(areas__path__startswith=region.path))
        .distinct()
        .select_related("replaces")
        .prefetch_related("areas")
    )


def cards_for_screen(screen, now=None):
    """The provider registered with ``screens.alerting``: read from the database every time,
    because a manifest built from a stale list would be cached under the new version."""
    return [card(alert) for alert in covering(screen.region, now)]
