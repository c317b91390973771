"""Signed links in every email: confirmation, preference centre, unsubscribe.

A token is ``<subscriber id>.<HMAC>`` where the HMAC (keyed on ``SECRET_KEY``, salted with the
link's purpose) covers the id and the subscriber's own ``secret``: no account or password is
needed, a link for one purpose opens nothing else, and rotating the secret revokes every link
sent so far. Links do not expire; a pending sign-up does (``subscribing.expire_unconfirmed``).
"""

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import Subscriber

PURPOSES = ("confirm", "preferences", "unsubscribe")


def make_token(subscriber, purpose):
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    digest = salted_hmac(
        f"newsletters.{purpose}", f"{subscriber.pk}:{subscriber.secret}", algorithm="sha256"
    ).hexdigest()[:32]
    return f"{subscriber.pk}.{digest}"


def read_token(token, purpose):
    """The subscriber the token was made for, or None (unknown, altered or revoked)."""
    pk, _, _digest = (token or "").partition(".")
    if not pk.isdigit():
        return None
    subscriber = Subscriber.objects.filter(pk=int(pk)).first()
    if subscriber is None or not constant_time_compare(make_token(subscriber, purpose), token):
        return None
    return subscriber


def absolute(path):
    return settings.SITE_URL + path


def confirm_url(subscriber):
    return absolute(reverse("newsletters:confirm", args=[make_token(subscriber, "confirm")]))


def preferences_url(subscriber):
    return absolute(
        reverse("newsletters:preferences", args=[make_token(subscriber, "preferences")])
    )


def unsubscribe_url(subscriber):
    return absolute(
        reverse("newsletters:unsubscribe", args=[make_token(subscriber, "unsubscribe")])
    )


def unsubscribe_mailto(subscriber):
    """The ``mailto:`` half of List-Unsubscribe: the mailbox in ``NEWSLETTERS_UNSUBSCRIBE_MAILTO``
    with the unsubscribe token as subject, or None when no mailbox is configured."""
    mailbox = getattr(settings, "NEWSLETTERS_UNSUBSCRIBE_MAILTO", "")
    if not mailbox:
        return None
    return f"mailto:{mailbox}?subject=unsubscribe%20{make_token(subscriber, 'unsubscribe')}"
