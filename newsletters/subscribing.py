"""Sign-up, confirmation and expiry of unconfirmed sign-ups."""

from datetime import timedelta

from django.utils import timezone

from .models import SignupAttempt, Status, Subscriber

CONFIRM_WITHIN = timedelta(days=7)


def expire_unconfirmed():
    """Delete sign-ups left unconfirmed for 7 days, and rate-limit records older than a day."""
    now = timezone.now()
    expired, _ = Subscriber.objects.filter(
        status=Status.PENDING, created_at__lt=now - CONFIRM_WITHIN
    ).delete()
    SignupAttempt.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    return f"{expired} unconfirmed sign-up(s) expired" if expired else None
