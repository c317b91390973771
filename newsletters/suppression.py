"""The suppression list: addresses that are never mailed again unless they opt in anew."""

from django.db import IntegrityError, transaction

from .models import Reason, Subscriber, Suppression, email_hash, normalise_email


def is_suppressed(email):
    return Suppression.objects.filter(email_hash=email_hash(email)).exists()


def suppress(email, reason):
    """Put ``email`` on the list for ``reason`` (idempotent: an existing entry takes the newer
    reason) and mark its subscriber unsubscribed. Returns the Suppression."""
    digest = email_hash(email)
    kept = "" if reason == Reason.ERASED else normalise_email(email)
    with transaction.atomic():
        Subscriber.objects.filter(email=normalise_email(email)).exclude(
            status="unsubscribed"
        ).update(status="unsubscribed")
        try:
            with transaction.atomic():
                return Suppression.objects.create(email_hash=digest, email=kept, reason=reason)
        except IntegrityError:
            entry = Suppression.objects.select_for_update().get(email_hash=digest)
            entry.reason = reason
            if reason == Reason.ERASED:
                entry.email = ""
            entry.save(update_fields=["reason", "email"])
            return entry


def lift(email):
    """Take ``email`` off the list: only when its owner has confirmed a new opt-in."""
    Suppression.objects.filter(email_hash=email_hash(email)).delete()


def erase(email):
    """Erasure on request: delete the subscriber and keep only the address's hash, so it is
    never mailed again."""
    with transaction.atomic():
        Subscriber.objects.filter(email=normalise_email(email)).delete()
        return suppress(email, Reason.ERASED)
