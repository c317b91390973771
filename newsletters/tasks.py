"""Background tasks of the newsletters, on whatever django-tasks backend TASKS names.

``send_signup_email``: the sign-up email, sent by the task backend (the worker beside the
server in ``make run``).

``deliver``: sends the delivery ledger (``newsletters.sending``). On the database queue (the
default, ``manage.py run_tasks``) it first puts its own continuation in the queue and only
then sends: a worker killed mid-send leaves that continuation behind, so the restarted worker
(or any other) goes on where it stopped, taking over the dead worker's rows once their claim
lapses. While deliveries wait for a retry the continuation is deferred until the first is due.
On a backend that runs a task at once (``immediate``) it sends what is due now and returns;
the periodic ``newsletters_deliver`` job of ``run_worker`` picks up retries there, and
restarts a chain if one ever stopped (a task lost before it could queue its continuation).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from . import links, sending
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


# How long one task sends before handing over to its continuation (so a queue with other tasks
# in it keeps moving).
SLICE_SECONDS = 60


def _can_defer():
    return deliver.get_backend().supports_defer


def _waiting_in_queue():
    """Whether a ``deliver`` task already waits in the database queue (unknown elsewhere)."""
    from django_tasks_db import DatabaseBackend

    if not isinstance(deliver.get_backend(), DatabaseBackend):
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=deliver.module_path, status="READY").exists()


@task()
def deliver():
    if not _can_defer():
        return sending.send_until_idle()
    now = timezone.now()
    at = sending.next_due_at()
    if at is None:
        return {}
    if at > now:
        if not _waiting_in_queue():
            deliver.using(run_after=at).enqueue()
        return {}
    deliver.enqueue()
    return sending.send_until_idle(max_seconds=SLICE_SECONDS)


def enqueue_delivery():
    """Start sending once the current transaction commits (at once outside one)."""
    transaction.on_commit(deliver.enqueue)


def sweep():
    """The periodic safety net: something is due and no task is waiting to send it."""
    at = sending.next_due_at()
    if at is None or at > timezone.now():
        return None
    if _can_defer() and _waiting_in_queue():
        return None
    deliver.enqueue()
    return "queued a delivery task"
