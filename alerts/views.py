"""Public alert pages: the list of active alerts, one alert, its CAP 1.2 XML and the Atom index.

Only messages that went out are public: a row with ``issued_at`` set (issued, and later perhaps
cancelled, superseded or expired). Drafts and alerts awaiting their second person are 404, as
is an awaiting alert that lapsed before anyone confirmed it (it never went out). ``sent`` does
not tell: a message read from a CAP source keeps its sender's time while it awaits confirmation.

Nothing here is cached under the content generation: alerts do not move it, and what these
pages say must change within seconds of an issue or a cancel. The XML answers carry an ETag
so that pollers of the index pay little for an unchanged answer.
"""

import hashlib

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe
from wagtail.models import Site

from content.listing import card_pages, card_rows
from content.queries import live_content

from . import capmap, cards, feed
from .cap import CAP_CONTENT_TYPE
from .models import Alert, MsgType, Stage

# A message, once out, never changes; its page and the index do, and are asked again each time.
CAP_CACHE_CONTROL = "public, max-age=60"
FEED_CACHE_CONTROL = "no-cache"


def public_messages():
    """Every message that went out (drafts and awaiting alerts never did)."""
    return Alert.objects.filter(issued_at__isnull=False)


def _with_etag(request, response, cache_control):
    """Answer 304 to a matching If-None-Match; otherwise the response, with its ETag."""
    etag = f'"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"'
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return get_conditional_response(request, etag=etag, response=response) or response


@require_safe
def alert_list(request):
    alerts = cards.ordered(
        Alert.objects.active().select_related("replaces").prefetch_related("areas")
    )
    return render(request, "alerts/alert_list.html", {"alerts": alerts})


def _state(alert, now):
    """What a reader must know first about this message: (state, the message that changed it)."""
    if alert.msg_type == MsgType.CANCEL:
        return "cancel", alert.replaces
    if alert.stage == Stage.ISSUED and alert.expires > now:
        return "active", None
    if alert.stage == Stage.CANCELLED:
        by = public_messages().filter(replaces=alert, msg_type=MsgType.CANCEL).first()
        return "cancelled", by
    if alert.stage == Stage.SUPERSEDED:
        by = (
            public_messages()
            .filter(replaces=alert, msg_type=MsgType.UPDATE)
            .order_by("-sent", "-pk")
            .first()
        )
        return "superseded", by
    return "expired", None


def public_explainers(alert, request):
    """The alert's explainers that the public may read (``content.queries``), as cards."""
    site = Site.find_for_request(request)
    linked = alert.explainers.values("pk")
    return card_pages(card_rows(live_content(request_site=site).filter(pk__in=linked)))


@require_safe
def alert_detail(request, identifier):
    alert = get_object_or_404(
        public_messages().select_related("replaces").prefetch_related("areas"),
        identifier=identifier,
    )
    state, changed_by = _state(alert, timezone.now())
    return render(
        request,
        "alerts/alert_detail.html",
        {
            "alert": alert,
            "state": state,
            "changed_by": changed_by,
            "explainers": public_explainers(alert, request),
            "cap_url": alert.cap_url(),
        },
    )


@require_safe
def alert_cap(request, identifier):
    alert = get_object_or_404(public_messages().select_related("replaces"), identifier=identifier)
    response = HttpResponse(capmap.render(alert), content_type=CAP_CONTENT_TYPE)
    return _with_etag(request, response, CAP_CACHE_CONTROL)


@require_safe
def alert_feed(request):
    response = HttpResponse(feed.render(request), content_type=feed.CONTENT_TYPE)
    return _with_etag(request, response, FEED_CACHE_CONTROL)
