"""Sign-up, confirmation (double opt-in) and expiry of unconfirmed sign-ups.

``sign_up`` answers every address the same way, whatever it already is, so the page never
tells who is subscribed: a new or pending address gets (again) a confirmation email; a
confirmed one keeps its preferences and gets an email with its preference centre link; an
unsubscribed or suppressed one starts a new opt-in, which only its owner can confirm.

Each request that would send mail first records (commits) a ``SignupAttempt`` for the address's
hash and then counts them, so concurrent requests in any number of processes share one limit
(``NEWSLETTERS_SIGNUP_LIMIT`` per ``NEWSLETTERS_SIGNUP_WINDOW_SECONDS``) and never pass more
than it: a race can only refuse more (a burst at the limit may be refused whole).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import suppression
from .models import SignupAttempt, Status, Subscriber, email_hash, normalise_email

logger = logging.getLogger(__name__)

CONFIRM_WITHIN = timedelta(days=7)


class RateLimited(Exception):
    pass


def check_rate(email):
    """Record one sign-up request for ``email``; RateLimited when it is over the limit."""
    digest = email_hash(email)
    window = timedelta(seconds=settings.NEWSLETTERS_SIGNUP_WINDOW_SECONDS)
    SignupAttempt.objects.create(email_hash=digest)
    recent = SignupAttempt.objects.filter(
        email_hash=digest, created_at__gte=timezone.now() - window
    ).count()
    if recent > settings.NEWSLETTERS_SIGNUP_LIMIT:
        raise RateLimited(email)


def sign_up(email, preferences, consent_text):
    """Record a sign-up request and queue its email; RateLimited when over the limit."""
    from .tasks import send_signup_email

    email = normalise_email(email)
    check_rate(email)
    with transaction.atomic():
        subscriber = _existing(email)
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(email=email)
            except IntegrityError:  # the same address, signed up at the same moment
                subscriber = _existing(email)
        if subscriber.status != Status.CONFIRMED:
            if subscriber.status == Status.UNSUBSCRIBED:
                subscriber.confirmed_at = subscriber.consented_at = None
            subscriber.status = Status.PENDING
            subscriber.requested_at = timezone.now()
            subscriber.cadence = preferences["cadence"]
            subscriber.emergency = preferences["emergency"]
            subscriber.consent_text = consent_text
            subscriber.save()
            for name in ("audiences", "topics", "regions"):
                getattr(subscriber, name).set(preferences[name])
        transaction.on_commit(lambda: send_signup_email.enqueue(subscriber.pk))
    return subscriber


def _existing(email):
    return Subscriber.objects.select_for_update().filter(email=email).first()


def is_expired(subscriber, now=None):
    return (
        subscriber.status == Status.PENDING
        and subscriber.requested_at < (now or timezone.now()) - CONFIRM_WITHIN
    )


def confirm(subscriber):
    """The POST of the confirmation page: the opt-in is complete. True when this call confirmed
    it (False: already confirmed, or expired)."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.status != Status.PENDING or is_expired(subscriber):
            return False
        now = timezone.now()
        subscriber.status = Status.CONFIRMED
        subscriber.confirmed_at = subscriber.consented_at = now
        subscriber.last_digest_at = None
        subscriber.save(update_fields=["status", "confirmed_at", "consented_at", "last_digest_at"])
        # A new opt-in by the address's owner lifts an earlier unsubscribe or bounce.
        suppression.lift(subscriber.email)
    logger.info("newsletter subscriber %s confirmed", subscriber.pk)
    return True


def expire_unconfirmed():
    """Delete sign-ups left unconfirmed for 7 days, and rate-limit records past their window."""
    now = timezone.now()
    _, deleted = Subscriber.objects.filter(
        status=Status.PENDING, requested_at__lt=now - CONFIRM_WITHIN
    ).delete()
    expired = deleted.get(Subscriber._meta.label, 0)
    window = max(settings.NEWSLETTERS_SIGNUP_WINDOW_SECONDS, 86400)
    SignupAttempt.objects.filter(created_at__lt=now - timedelta(seconds=window)).delete()
    return f"{expired} unconfirmed sign-up(s) expired" if expired else None
