"""The operator console's figures for one alert: which screens it reached and how fast.

Each targeted screen is in exactly one of three states, so the three counts add up to the
targeted total and an operator sees at once which screens need a person sent to them:

- acknowledged: the screen reported (``AlertAck``) that it displayed the alert;
- online, not acknowledged: a heartbeat within ``OFFLINE_AFTER``, but no report yet;
- offline: no acknowledgement and no heartbeat within ``OFFLINE_AFTER`` (or never one).

Players send a heartbeat every 60 s, so two missed heartbeats (120 s) mean offline.
Time to acknowledge is ``acknowledged_at - alert.sent`` over the targeted screens' acks, as
nearest-rank percentiles (p50 is a real screen's time, not an average of two).
"""

import datetime
import math
from dataclasses import dataclass, field

from django.utils import timezone

from screens.models import OFFLINE_AFTER

from . import delivery
from .models import AlertAck

ACKNOWLEDGED = "acknowledged"
ONLINE = "online"
OFFLINE = "offline"
ATTENTION_ORDER = {OFFLINE: 0, ONLINE: 1, ACKNOWLEDGED: 2}


@dataclass
class ScreenState:
    screen: object
    state: str
    acknowledged_at: datetime.datetime | None = None
    seconds_to_ack: float | None = None


@dataclass
class Console:
    rows: list = field(default_factory=list)
    p50: float | None = None
    p95: float | None = None

    @property
    def targeted(self):
        return len(self.rows)

    def _count(self, state):
        return sum(1 for row in self.rows if row.state == state)

    @property
    def acknowledged(self):
        return self._count(ACKNOWLEDGED)

    @property
    def online_waiting(self):
        return self._count(ONLINE)

    @property
    def offline(self):
        return self._count(OFFLINE)


def percentile(values, fraction):
    """Nearest-rank percentile of ``values`` (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary(alert, now=None):
    now = now or timezone.now()
    cutoff = now - OFFLINE_AFTER
    screens = delivery.targeted_screens(alert).select_related("region").order_by("name", "pk")
    acks = dict(AlertAck.objects.filter(alert=alert).values_list("screen_id", "acknowledged_at"))
    console = Console()
    delays = []
    for screen in screens:
        acknowledged_at = acks.get(screen.pk)
        if acknowledged_at is not None:
            seconds = None
            if alert.sent is not None:
                seconds = max(0.0, (acknowledged_at - alert.sent).total_seconds())
                delays.append(seconds)
            console.rows.append(ScreenState(screen, ACKNOWLEDGED, acknowledged_at, seconds))
        elif screen.last_seen_at is not None and screen.last_seen_at >= cutoff:
            console.rows.append(ScreenState(screen, ONLINE))
        else:
            console.rows.append(ScreenState(screen, OFFLINE))
    # Those that need someone sent to them first.
    console.rows.sort(key=lambda row: ATTENTION_ORDER[row.state])
    console.p50 = percentile(delays, 0.50)
    console.p95 = percentile(delays, 0.95)
    return console
