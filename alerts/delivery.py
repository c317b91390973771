"""What an alert's change does outside the database: screens hear of it at once.

For an issued alert or update, the screens in its area get the push event ``alert`` with the
card; for a cancel they get ``{"cancel": identifier}``; screens an update no longer covers are
told to drop the old one. Then the manifest versions of every screen concerned are bumped, so a
screen that was offline, reconnects or polls finds the same thing in its manifest (the event
only saves it the wait). The event goes first, after commit: a screen must not be told before
the alert is readable, and the card is what it shows while the manifest is refetched.

This process's banner memo is cleared at once; other processes see the change within
``ALERTS_CHECK_SECONDS`` (``alerts.active``). Then ``alerts.signals`` tells the other parts
(the newsletters' emergency emails).
"""

import logging

from django.db import transaction
from django.db.models import Q

from screens import push, versions
from screens.models import Screen

from . import active, cards, signals

logger = logging.getLogger(__name__)


def targeted_screens(alert):
    """Enabled screens in the alert's areas (an area reaches every region below it)."""
    paths = list(alert.areas.values_list("path", flat=True))
    if not paths:
        return Screen.objects.none()
    query = Q()
    for path in paths:
        query |= Q(region__path__startswith=path)
    return Screen.objects.filter(query, enabled=True)


def screen_ids_for(alert):
    return set(targeted_screens(alert).values_list("pk", flat=True))


def _after_commit(function):
    transaction.on_commit(function)


def _announce(signal, **kwargs):
    """Tell the other parts (alerts.signals); a listener's failure is logged, not raised."""
    for receiver, result in signal.send_robust(sender=type(kwargs["alert"]), **kwargs):
        if isinstance(result, Exception):
            logger.error("alert listener %r failed", receiver, exc_info=result)


def issued(alert, superseded=None):
    targets = screen_ids_for(alert)
    left = screen_ids_for(superseded) - targets if superseded is not None else set()
    payload = {"alert": cards.card(alert)}

    def tell():
        active.forget()
        push.publish("alert", payload, targets)
        if left:
            push.publish("alert", {"cancel": superseded.identifier}, left)
        _announce(signals.alert_issued, alert=alert, superseded=superseded)

    _after_commit(tell)
    versions.bump_screens(targets | left)


def cancelled(alert):
    targets = screen_ids_for(alert)

    def tell():
        active.forget()
        push.publish("alert", {"cancel": alert.identifier}, targets)
        _announce(signals.alert_cancelled, alert=alert)

    _after_commit(tell)
    versions.bump_screens(targets)


def expired(alert):
    # Players end an alert at its expiry on their own, even offline; the bump takes it out of
    # the manifests, so one that reconnects later is not handed it again.
    _after_commit(active.forget)
    versions.bump_screens(screen_ids_for(alert))
