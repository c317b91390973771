"""The sign-up email, sent by the task backend (the worker beside the server in ``make run``)."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django_tasks import task

from . import links
from .models import Status, Subscriber

logger = logging.getLogger(__name__)


def signup_email(subscriber):
    """The confirmation email of a pending sign-up, or, for an address already confirmed, a
    note with its preference centre link (the sign-up page never says which)."""
    context = {
        "subscriber": subscriber,
        "site_url": settings.SITE_URL,
        "postal_address": settings.NEWSLETTERS_POSTAL_ADDRESS,
        "valid_days": 7,
    }
    if subscriber.status == Status.CONFIRMED:
        name, subject = "already", _("您已订阅科普青城简报")
        context["preferences_url"] = links.preferences_url(subscriber)
    else:
        name, subject = "confirm", _("请确认订阅科普青城简报")
        context["confirm_url"] = links.confirm_url(subscriber)
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"newsletters/email/{name}.txt", context),
        to=[subscriber.email],
    )
    message.attach_alternative(
        render_to_string(f"newsletters/email/{name}.html", context), "text/html"
    )
    return message


@task()
def send_signup_email(subscriber_id):
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.status == Status.UNSUBSCRIBED:
        return False  # expired, erased or unsubscribed since the request
    signup_email(subscriber).send()
    logger.info("newsletter sign-up email sent to subscriber %s", subscriber_id)
    return True
