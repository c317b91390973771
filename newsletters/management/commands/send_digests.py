"""``manage.py send_digests --cadence weekly|monthly [--wait]``: plan a digest and queue it.

Without ``--wait`` the background worker sends what was queued; with it, this process sends
too and returns once every delivery of the digest is sent, bounced, suppressed or has failed
for good (retries included).
"""

import time

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone

from newsletters import sending
from newsletters.digests import plan
from newsletters.ledger import Delivery, DeliveryStatus
from newsletters.models import Cadence

UNFINISHED = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


class Command(BaseCommand):
    help = "Plan the weekly or monthly digest for every subscriber due one, and queue it."

    def add_arguments(self, parser):
        parser.add_argument("--cadence", required=True, choices=Cadence.values)
        parser.add_argument(
            "--wait", action="store_true", help="send everything queued before returning"
        )

    def handle(self, *, cadence, wait, **options):
        result = plan(cadence)
        self.stdout.write(
            f"{cadence}: {result.subscribers} due, {len(result.mailings)} mailings, "
            f"{result.deliveries} queued, {result.skipped_empty} with nothing new"
        )
        if wait and result.mailings:
            counts = self.wait_for([mailing.pk for mailing in result.mailings])
            self.stdout.write(
                ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
            )

    def wait_for(self, mailing_ids):
        deliveries = Delivery.objects.filter(mailing_id__in=mailing_ids)
        while deliveries.filter(status__in=UNFINISHED).exists():
            if not sending.send_batch():
                # Nothing due now: a retry later, or rows another worker is sending.
                next_at = sending.next_due_at()
                pause = 0.2 if next_at is None else (next_at - timezone.now()).total_seconds()
                time.sleep(min(max(pause, 0.05), 5.0))
        rows = deliveries.order_by().values("status").annotate(count=Count("pk"))
        return {row["status"]: row["count"] for row in rows}
