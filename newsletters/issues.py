"""Editor-composed issues: who is in the segment, the email, a test send, sending once.

A subscriber is in an issue's segment when, key by key (audience, topic, region), the issue
names nothing, the subscriber chose nothing (= everything), or the two share a value (for
regions: one lies within or contains the other). Sending plans one ``Mailing`` (key
``issue:<pk>``, so an issue goes out once whoever presses the button or however often the
periodic job runs) and its deliveries; the task worker sends them. ``figures`` are what the
admin shows per issue.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation

from content.models import Region
from content.queries import published_content

from .digests import digest_items
from .ledger import Delivery, DeliveryStatus, Issue, Mailing, MailingKind, queue_deliveries
from .models import Status, Subscriber
from .rendering import PREFERENCES, UNSUBSCRIBE, render_digest, render_items
from .tasks import enqueue_delivery

ISSUE_PRIORITY = 30


def touching_regions(regions):
    """The regions within or containing any of ``regions``."""
    step = Region.steplen
    condition = Q(pk__in=[])
    for region in regions:
        condition |= Q(path__startswith=region.path)
        condition |= Q(path__in=[region.path[:end] for end in range(step, len(region.path), step)])
    return Region.objects.filter(condition)


def segment(issue):
    """The confirmed subscribers an issue goes to."""
    people = Subscriber.objects.filter(status=Status.CONFIRMED)
    audiences = list(issue.audiences.all())
    if audiences:
        people = people.filter(Q(audiences__in=audiences) | Q(audiences__isnull=True))
    topics = list(issue.topics.all())
    if topics:
        people = people.filter(Q(topics__in=topics) | Q(topics__isnull=True))
    regions = list(issue.regions.all())
    if regions:
        people = people.filter(Q(regions__in=touching_regions(regions)) | Q(regions__isnull=True))
    return people.distinct()


def rendered(issue):
    """(subject, html, text) of the issue, with only the chosen items still public."""
    public = set(published_content().filter(pk__in=issue.items.all()).values_list("pk", flat=True))
    pks = [page.pk for page in issue.items.order_by("-first_published_at") if page.pk in public]
    with translation.override(settings.LANGUAGE_CODE):
        parts = render_items([item for item in digest_items(pks) if item])
        html, text = render_digest(issue.subject, parts, intro=issue.intro)
    return issue.subject, html, text


def preview_html(issue):
    html = rendered(issue)[1]
    signup = settings.SITE_URL + reverse("newsletters:signup")
    return html.replace(PREFERENCES, signup).replace(UNSUBSCRIBE, signup)


def send_test(issue, address):
    """The issue to ``address`` alone, at once, outside the ledger (its links lead to the
    sign-up page: the address need not subscribe)."""
    subject, html, text = rendered(issue)
    signup = settings.SITE_URL + reverse("newsletters:signup")
    message = EmailMultiAlternatives(
        subject=f"[测试] {subject}",
        body=text.replace(PREFERENCES, signup).replace(UNSUBSCRIBE, signup),
        to=[address],
    )
    message.attach_alternative(
        html.replace(PREFERENCES, signup).replace(UNSUBSCRIBE, signup), "text/html"
    )
    message.send()


def send(issue):
    """Plan the issue's deliveries (once) and start sending; the number queued, or None when
    it was sent before."""
    subject, html, text = rendered(issue)
    pks = list(segment(issue).values_list("pk", flat=True))
    now = timezone.now()
    try:
        with transaction.atomic():
            mailing = Mailing.objects.create(
                kind=MailingKind.ISSUE, key=f"issue:{issue.pk}", subject=subject, html=html,
                text=text, priority=ISSUE_PRIORITY,
            )  # fmt: skip
            queue_deliveries(mailing, pks, now)
            Issue.objects.filter(pk=issue.pk).update(mailing=mailing)
            enqueue_delivery()
    except IntegrityError:
        return None
    issue.mailing = mailing
    return len(pks)


def send_scheduled(now=None):
    """The periodic job: issues whose time has come."""
    now = now or timezone.now()
    sent = []
    for issue in Issue.objects.filter(mailing__isnull=True, send_at__lte=now):
        count = send(issue)
        if count is not None:
            sent.append(f"#{issue.pk}: {count} queued")
    return "; ".join(sent) or None


FIGURES = (
    ("queued", (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)),
    ("sent", (DeliveryStatus.SENT,)),
    ("failed", (DeliveryStatus.FAILED, DeliveryStatus.BOUNCED)),
    ("suppressed", (DeliveryStatus.SUPPRESSED,)),
)


def figures(issue):
    """Queued, sent, failed (bounced included), suppressed, and unsubscribed since: the
    recipients it reached who are no longer subscribed."""
    if issue.mailing_id is None:
        return None
    deliveries = Delivery.objects.filter(mailing_id=issue.mailing_id)
    counts = dict(deliveries.order_by().values_list("status").annotate(n=Count("pk")))
    result = {name: sum(counts.get(status, 0) for status in statuses) for name, statuses in FIGURES}
    result["unsubscribed"] = deliveries.filter(
        status=DeliveryStatus.SENT, subscriber__status=Status.UNSUBSCRIBED
    ).count()
    return result
