"""``/alerts/feed/``: the Atom index of the alerts in force, each entry linking its CAP message.

This is what other alerting systems poll (and what our own ``ingest_cap`` reads back, through
``alerts.cap.parse_index``): one entry per active alert or update, most severe first, plus each
Cancel message whose cancelled alert has not yet expired, so that a poller that saw the alert
also learns that it ended. Every entry links the CAP 1.2 message (``rel="alternate"``, type
``application/cap+xml``) and the alert's page (``text/html``).

Written with Django's Atom generator, as the content feeds are (``feeds.formats``, which alerts
may not import); the feeds' validators and 304 middleware are not reused because this index is
small and must change within seconds of an issue, not with the content generation.
"""

import re

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.utils.translation import gettext as _

from . import cards
from .cap import CAP_CONTENT_TYPE
from .models import Alert, MsgType, Stage

CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# What XML 1.0 cannot carry; the forms refuse it, but one stored character must not break the
# index every partner polls.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text):
    return _XML_ILLEGAL.sub("", text or "")


class CapIndexFeed(feedgenerator.Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement(
            "link", "", {"rel": "alternate", "type": CAP_CONTENT_TYPE, "href": item["cap_url"]}
        )


def listed(now=None):
    """Active alerts most severe first, then the Cancels still worth announcing, newest first."""
    now = now or timezone.now()
    alerts = cards.ordered(Alert.objects.active(now).select_related("replaces"))
    cancels = (
        Alert.objects.filter(
            Q(replaces__expires__gt=now),
            stage=Stage.ISSUED,
            msg_type=MsgType.CANCEL,
            issued_at__isnull=False,
        )
        .select_related("replaces")
        .order_by("-sent", "-pk")
    )
    return [*alerts, *cancels]


def _title(alert):
    if alert.label:
        return _("【%(label)s】%(headline)s") % {"label": alert.label, "headline": alert.headline}
    return alert.headline


def _categories(alert):
    names = [alert.event]
    if alert.colour_label:
        names.append(_("%(colour)s预警") % {"colour": alert.colour_label})
    names.append(alert.get_msg_type_display())
    if alert.label:
        names.append(alert.label)
    return [_clean(str(name)) for name in names if name]


def render(request):
    site = settings.SITE_URL
    feed_url = site + reverse("alerts:feed")
    feed = CapIndexFeed(
        title=_("科普青城 · 应急预警"),
        link=site + reverse("alerts:list"),
        description=_("呼和浩特市正在生效的应急预警（CAP 1.2 消息索引）。"),
        language="zh-CN",
        feed_url=feed_url,
        feed_guid=feed_url,
        author_name=_("科普青城"),
    )
    for alert in listed():
        description = alert.cancel_reason if alert.msg_type == MsgType.CANCEL else ""
        feed.add_item(
            title=_clean(_title(alert)),
            link=alert.get_full_url(),
            description=_clean(description or alert.description),
            pubdate=alert.sent,
            updateddate=alert.sent,
            unique_id=alert.cap_url(),
            author_name=_clean(alert.sender_name),
            categories=_categories(alert),
            cap_url=alert.cap_url(),
        )
    return feed.writeString("utf-8").encode("utf-8")
