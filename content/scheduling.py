"""Scheduled publishing and expiry: the periodic job behind ``go_live_at`` and ``expire_at``.

Wagtail only records a schedule; its ``publish_scheduled`` command acts on it, and nothing ran
that command, so scheduled pages never went live and expired ones stayed published. This is the
same work as that command (see wagtail/management/commands/publish_scheduled.py), through the
same calls — ``unpublish(set_expired=True)`` and ``Revision.publish()`` — so Wagtail's signals,
log entries and this project's hooks (the content generation, search index, WebSub) follow as
for any publish. Unlike the command it isolates each object, so one that fails is logged and
the others still go, and it returns what it did for the worker's log.

``manage.py run_worker`` runs it every ``PUBLISH_SCHEDULED_SECONDS`` (default 30). Between runs
an expired page already answers 404 on its own URL (``ContentPage.route``), and listings, feeds,
the API and screens compare ``expire_at`` with the clock.
"""

import logging

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from wagtail.models import DraftStateMixin, Page, Revision

logger = logging.getLogger(__name__)


def _draft_state_models():
    others = [
        model
        for model in apps.get_models()
        if issubclass(model, DraftStateMixin) and not issubclass(model, Page)
    ]
    return [Page, *others]


def _describe(obj):
    return f"{obj._meta.label}#{obj.pk} {str(obj)[:60]}"


def _each(objects, action, label):
    """Apply ``action`` to each object in its own transaction; the objects it succeeded on."""
    done = []
    for obj in objects:
        try:
            with transaction.atomic():
                action(obj)
        except Exception:
            logger.exception("could not %s %s", label, _describe(obj))
        else:
            done.append(obj)
    return done


def _unpublish_expired(obj):
    obj.unpublish(set_expired=True, log_action="wagtail.unpublish.scheduled")


def _publish_due(revision):
    revision.publish(log_action="wagtail.publish.scheduled")


def publish_scheduled():
    """Unpublish what has expired, publish approved revisions whose time has come."""
    now = timezone.now()
    unpublished = []
    for model in _draft_state_models():
        expired = model.objects.filter(live=True, expire_at__lt=now).order_by("expire_at")
        unpublished += _each(list(expired), _unpublish_expired, "unpublish expired")
    due = Revision.objects.filter(approved_go_live_at__lt=now).order_by("approved_go_live_at")
    published = [revision.content_object for revision in _each(list(due), _publish_due, "publish")]
    parts = []
    for verb, objects in (("published", published), ("unpublished expired", unpublished)):
        if objects:
            parts.append(f"{verb} {len(objects)}: " + "; ".join(map(_describe, objects)))
    return " | ".join(parts)
