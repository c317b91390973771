"""The emergency lane: an Actual alert issued for a region emails, at once, the subscribers
who chose 应急预警 for that region; its cancel emails them once more.

Listens to ``alerts.signals`` (alerts import nothing of ours). The receiver only queues the
``announce_alert`` task, so the request that issued the alert never waits for a mailing to be
planned. A subscriber is reached when one of their regions lies within an area of the alert,
or contains one (a city-wide subscriber hears of a district's alert); no region chosen means
the whole city. Each announcement is one ``Mailing`` with a fixed key (``alert:<identifier>:
issued`` / ``…:cancelled``), so it is planned once however often it is asked for, and its
deliveries go before digests. A cancel goes to those the alert itself was sent to.
Exercises and tests (演练, 测试) are not emailed.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from alerts.models import Alert, Status
from content.models import Region

from .ledger import Mailing, MailingKind, queue_deliveries
from .models import Status as SubscriberStatus
from .models import Subscriber
from .rendering import render
from .tasks import enqueue_delivery

logger = logging.getLogger(__name__)

ALERT_PRIORITY = 10


def on_issued(sender, alert, superseded=None, **kwargs):
    if alert.status == Status.ACTUAL:
        announce_alert.enqueue(alert.pk, "issued")


def on_cancelled(sender, alert, **kwargs):
    if alert.status == Status.ACTUAL:
        announce_alert.enqueue(alert.pk, "cancelled")


def subscribers_for(alert):
    """Confirmed subscribers with 应急预警 whose regions touch the alert's areas."""
    areas = list(alert.areas.all())
    touching = Q(pk__in=[])
    step = Region.steplen
    for area in areas:
        touching |= Q(path__startswith=area.path)  # within the area
        above = [area.path[:end] for end in range(step, len(area.path), step)]
        touching |= Q(path__in=above)  # containing it
    regions = Region.objects.filter(touching)
    return (
        Subscriber.objects.filter(status=SubscriberStatus.CONFIRMED, emergency=True)
        .filter(Q(regions__in=regions) | Q(regions__isnull=True))
        .distinct()
    )


@task()
def announce_alert(alert_id, event):
    """Plan the alert's email (``event``: issued or cancelled) and start sending it."""
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        return 0
    key = f"alert:{alert.identifier}:{event}"
    if Mailing.objects.filter(key=key).exists():
        return 0
    if event == "cancelled":
        told = Mailing.objects.filter(key=f"alert:{alert.identifier}:issued").first()
        recipients = (
            Subscriber.objects.filter(deliveries__mailing=told, status=SubscriberStatus.CONFIRMED)
            if told is not None
            else subscribers_for(alert)
        )
    else:
        recipients = subscribers_for(alert)
    pks = list(recipients.values_list("pk", flat=True))
    if not pks:
        return 0
    subject, html, text = build(alert, event)
    now = timezone.now()
    try:
        with transaction.atomic():
            mailing = Mailing.objects.create(
                kind=MailingKind.ALERT,
                key=key,
                subject=subject,
                html=html,
                text=text,
                priority=ALERT_PRIORITY,
            )
            queue_deliveries(mailing, pks, now)
            enqueue_delivery()
    except IntegrityError:
        return 0  # planned by another worker at the same moment
    logger.info("newsletters: alert %s %s: %d queued", alert.identifier, event, len(pks))
    return len(pks)


def build(alert, event):
    with translation.override(settings.LANGUAGE_CODE):
        if event == "cancelled":
            subject = _("【解除】%(headline)s") % {"headline": alert.headline}
        else:
            subject = _("【%(colour)s预警】%(headline)s") % {
                "colour": alert.colour_label,
                "headline": alert.headline,
            }
        html, text = render(
            "alert",
            subject,
            alert=alert,
            cancelled=event == "cancelled",
            url=alert.get_full_url(),
            areas=", ".join(area.name for area in alert.areas.all()),
        )
    return subject, html, text
