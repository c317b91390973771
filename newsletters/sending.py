"""Sending the ledger's queued deliveries, safely from any number of workers.

``send_batch`` claims up to ``NEWSLETTERS_BATCH_SIZE`` due deliveries with one conditional
UPDATE (only rows still queued, or whose earlier claim has lapsed, change hands), so two
workers never send the same row. It sends them over one SMTP connection and records each
outcome as soon as the server has answered it:

- accepted → ``sent`` with its Message-ID: a worker killed (``kill -9``) after that sends the
  message again never; killed between the server's "250" and that update, it is the one message
  in flight, and it goes again (with the same Message-ID) once the claim lapses;
- 4xx, or a lost connection → back to ``queued`` with the next delay of
  ``NEWSLETTERS_RETRY_SECONDS``; after the last, ``failed``;
- 5xx → ``bounced``, and the address goes on the suppression list;
- an address suppressed or unsubscribed since the mailing was planned → ``suppressed``, unsent.

A claim lasts ``NEWSLETTERS_CLAIM_SECONDS`` and is renewed while the batch is being sent, so
only a dead worker's rows are taken over.
"""

import contextlib
import logging
import smtplib
import socket
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends import smtp
from django.db import DatabaseError, transaction
from django.db import connection as database
from django.db.models import F, Min, Q
from django.utils import timezone

from .ledger import Delivery, DeliveryStatus, Mailing
from .models import Reason, Status, Suppression, email_hash
from .rendering import Prepared, message_for, message_id
from .suppression import suppress

logger = logging.getLogger(__name__)

_worker_id = None


def worker_id():
    """This process's name on the rows it claims."""
    global _worker_id
    if _worker_id is None:
        _worker_id = f"{socket.gethostname()[:30]}:{uuid.uuid4().hex[:16]}"
    return _worker_id


def retry_delays():
    return [float(seconds) for seconds in settings.NEWSLETTERS_RETRY_SECONDS]


def claim_seconds():
    return float(settings.NEWSLETTERS_CLAIM_SECONDS)


def due(now):
    """Deliveries a worker may claim now: queued and due, or claimed by a worker whose claim
    has lapsed (it died)."""
    return Delivery.objects.filter(
        Q(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now)
    )


def claim(limit, owner=None, now=None):
    """Take up to ``limit`` due deliveries for ``owner``: the ids actually won."""
    now = now or timezone.now()
    owner = owner or worker_id()
    candidates = list(
        due(now).order_by("priority", "next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
    if not candidates:
        return []
    # The condition is checked again by the UPDATE itself: a row another worker took in the
    # meantime no longer matches and stays theirs.
    due(now).filter(pk__in=candidates).update(
        status=DeliveryStatus.SENDING,
        claimed_by=owner,
        claimed_until=now + timedelta(seconds=claim_seconds()),
        attempts=F("attempts") + 1,
    )
    return list(
        Delivery.objects.filter(
            pk__in=candidates, status=DeliveryStatus.SENDING, claimed_by=owner
        ).values_list("pk", flat=True)
    )


def next_due_at():
    """When the next delivery will be due (now or later), or None when nothing is waiting."""
    queued = Delivery.objects.filter(status=DeliveryStatus.QUEUED).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    claimed = Delivery.objects.filter(status=DeliveryStatus.SENDING).aggregate(
        at=Min("claimed_until")
    )["at"]
    times = [at for at in (queued, claimed) if at is not None]
    return min(times) if times else None


class _Outcome:
    def __init__(self, owner):
        self.owner = owner
        self.counts = {}

    def record(self, delivery, status, **fields):
        """Write the outcome of one claimed delivery, only while the claim is still ours."""
        Delivery.objects.filter(pk=delivery.pk, claimed_by=self.owner).update(
            status=status, claimed_until=None, **fields
        )
        self.counts[status] = self.counts.get(status, 0) + 1


def _smtp_code(error):
    """The SMTP reply code of a refusal, or None (a lost connection, a timeout)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return max(codes) if codes else None
    return getattr(error, "smtp_code", None)


def _describe(error):
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for code, text in error.recipients.values()
        )
    return f"{type(error).__name__}: {error}"[:1000]


@contextlib.contextmanager
def _quick_commits():
    """On PostgreSQL, each outcome's commit does not wait for the disk flush (one fsync per
    message would cap a worker at the disk's rate). A killed worker loses nothing by it: the
    server has the commit; only a crash of PostgreSQL itself may lose the last fraction of a
    second of outcomes, and those messages are sent again."""
    if database.vendor != "postgresql":
        yield
        return
    with database.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        try:
            with database.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:
            logger.debug("could not reset synchronous_commit", exc_info=True)


def send_batch(limit=None, owner=None):
    """Claim and send one batch over one connection; {status: count} of what happened."""
    with _quick_commits():
        return _send_batch(limit, owner)


def _send_batch(limit, owner):
    owner = owner or worker_id()
    limit = limit or settings.NEWSLETTERS_BATCH_SIZE
    ids = claim(limit, owner)
    outcome = _Outcome(owner)
    if not ids:
        return outcome.counts
    rows = list(
        Delivery.objects.filter(pk__in=ids).select_related("subscriber").order_by("priority", "pk")
    )
    mailings = Mailing.objects.in_bulk({row.mailing_id for row in rows})
    suppressed = set(
        Suppression.objects.filter(
            email_hash__in=[email_hash(row.subscriber.email) for row in rows]
        ).values_list("email_hash", flat=True)
    )
    connection = None
    prepared = {}
    renew_at = timezone.now() + timedelta(seconds=claim_seconds() / 3)
    try:
        for position, row in enumerate(rows):
            if timezone.now() >= renew_at:
                _renew([other.pk for other in rows[position:]], owner)
                renew_at = timezone.now() + timedelta(seconds=claim_seconds() / 3)
            subscriber = row.subscriber
            if email_hash(subscriber.email) in suppressed or subscriber.status != Status.CONFIRMED:
                outcome.record(row, DeliveryStatus.SUPPRESSED)
                continue
            try:
                if connection is None:
                    connection = get_connection(fail_silently=False)
                    connection.open()
                _send(connection, row, mailings[row.mailing_id], subscriber, prepared)
            except (smtplib.SMTPException, OSError) as error:
                connection = _after_failure(connection, error)
                _failed(outcome, row, error)
                continue
            outcome.record(
                row,
                DeliveryStatus.SENT,
                message_id=message_id(row.pk, row.mailing_id),
                sent_at=timezone.now(),
                last_error="",
            )
    finally:
        if connection is not None:
            try:
                connection.close()
            except (smtplib.SMTPException, OSError):
                logger.debug("closing the SMTP connection failed", exc_info=True)
    if outcome.counts:
        logger.info("newsletters: %s", ", ".join(f"{n} {s}" for s, n in outcome.counts.items()))
    return outcome.counts


def _send(connection, row, mailing, subscriber, prepared):
    """Send one delivery: over SMTP as the mailing's prepared bytes with this recipient's
    parts put in; through any other mail backend (console, memory) as a built message."""
    if isinstance(connection, smtp.EmailBackend) and connection.connection is not None:
        if mailing.pk not in prepared:
            prepared[mailing.pk] = Prepared(mailing)
        raw = prepared[mailing.pk].bytes_for(row, subscriber)
        if raw is not None:
            connection.connection.sendmail(prepared[mailing.pk].sender, [subscriber.email], raw)
            return
    connection.send_messages([message_for(row, mailing, subscriber, connection)])


def _renew(ids, owner):
    Delivery.objects.filter(pk__in=ids, claimed_by=owner, status=DeliveryStatus.SENDING).update(
        claimed_until=timezone.now() + timedelta(seconds=claim_seconds())
    )


def _after_failure(connection, error):
    """The connection to go on with: the same one after a refusal (the server answered and
    the session was reset), none after a lost connection (the next message opens another)."""
    if _smtp_code(error) is not None and not isinstance(error, smtplib.SMTPServerDisconnected):
        return connection
    try:
        connection.close()
    except (smtplib.SMTPException, OSError):
        logger.debug("closing a broken SMTP connection failed", exc_info=True)
    return None


def _failed(outcome, row, error):
    code = _smtp_code(error)
    description = _describe(error)
    if code is not None and 500 <= code < 600:
        with transaction.atomic():
            outcome.record(row, DeliveryStatus.BOUNCED, last_error=description)
            suppress(row.subscriber.email, Reason.BOUNCED)
        return
    delays = retry_delays()
    # ``attempts`` was counted when the row was claimed: it includes this one.
    attempt = row.attempts
    if attempt > len(delays):
        outcome.record(row, DeliveryStatus.FAILED, last_error=description)
        return
    outcome.record(
        row,
        DeliveryStatus.QUEUED,
        last_error=description,
        next_attempt_at=timezone.now() + timedelta(seconds=delays[attempt - 1]),
        claimed_by="",
    )


def send_until_idle(max_seconds=None):
    """Send batches while any delivery is due now; {status: count} in total."""
    total = {}
    started = timezone.now()
    while True:
        counts = send_batch()
        if not counts:
            return total
        for status, count in counts.items():
            total[status] = total.get(status, 0) + count
        if max_seconds is not None and (timezone.now() - started).total_seconds() > max_seconds:
            return total
