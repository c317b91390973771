"""The active alerts every public page's banner shows, memoised in each process for at most
``ALERTS_CHECK_SECONDS`` (2).

The banner is on every page, so it must not cost a query per request; alerts are rare, so one
small query per process every two seconds is the price of every process, whichever issued the
alert (the admin, ``ingest_cap``, the worker polling CAP sources), showing it within seconds.
The process that makes a change forgets its memo at once (``alerts.delivery``).
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from screens.models import Screen

from .cards import ordered
from .models import Alert, MsgType

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_memo = {"at": None, "alerts": ()}


def check_seconds():
    return float(getattr(settings, "ALERTS_CHECK_SECONDS", 2))


def forget():
    with _lock:
        _memo["at"] = None
        _sent.clear()
        _region_paths.clear()


_sent = {}
_SENT_KEPT = 256


def sent_alert(identifier):
    """(pk, area paths) of an alert that went out, or None; for screens' acknowledgements, a
    thousand of which arrive within seconds. Remembered in the process: once issued, an alert's
    identity and areas never change (an Update is a message of its own)."""
    with _lock:
        found = _sent.get(identifier)
    if found is not None:
        return found
    alert = (
        Alert.objects.filter(identifier=identifier, issued_at__isnull=False)
        .exclude(msg_type=MsgType.CANCEL)
        .only("pk")
        .first()
    )
    if alert is None:
        return None
    found = (alert.pk, tuple(alert.areas.values_list("path", flat=True)))
    with _lock:
        if len(_sent) >= _SENT_KEPT:
            _sent.clear()
        _sent[identifier] = found
    return found


def active_alerts(now=None):
    """Issued, unexpired alerts, most severe first (a tuple of Alert, areas prefetched)."""
    moment = time.monotonic()
    with _lock:
        fresh = _memo["at"] is not None and moment - _memo["at"] < check_seconds()
        alerts = _memo["alerts"]
    if not fresh:
        try:
            alerts = tuple(
                ordered(Alert.objects.active().select_related("replaces").prefetch_related("areas"))
            )
        except DatabaseError:
            # A page that can be served from the cache must not become a 503 for its banner:
            # the last alerts read stay up (expiry still applies) until the database answers.
            logger.warning("alert banner: database unavailable; showing the last alerts read")
        with _lock:
            _memo["at"], _memo["alerts"] = moment, alerts
    now = now or timezone.now()
    # An alert that expired since the memo was filled is gone from the banner at once.
    return tuple(alert for alert in alerts if alert.expires > now)


_region_paths = {}
_REGION_PATHS_KEPT = 20_000


def screen_region_path(screen_id, config_version):
    """A screen's region path, remembered per configuration version (moving a screen to another
    region is a save, which bumps the version its token carries)."""
    key = (screen_id, config_version)
    path = _region_paths.get(key)
    if path is None:
        path = (
            Screen.objects.filter(pk=screen_id).values_list("region__path", flat=True).first() or ""
        )
        with _lock:
            if len(_region_paths) >= _REGION_PATHS_KEPT:
                _region_paths.clear()
            _region_paths[key] = path
    return path
