"""Subscribers and queued mailings for the sending tests (tests/newsletters/test_sending.py,
test_digests.py, test_worker.py)."""

from django.utils import timezone

from content.models import Audience, Region
from newsletters.ledger import Delivery, Mailing, MailingKind
from newsletters.models import Subscriber


def subscriber(email, *, cadence="weekly", audiences=(), topics=(), regions=(), **fields):
    """A confirmed subscriber with these preferences (audience slugs, topic names, codes)."""
    from taggit.models import Tag

    now = timezone.now()
    fields.setdefault("confirmed_at", now - timezone.timedelta(days=30))
    person = Subscriber.objects.create(
        email=email,
        status="confirmed",
        cadence=cadence,
        consent_text="我同意接收科普简报。",
        consented_at=fields["confirmed_at"],
        **fields,
    )
    person.audiences.set(Audience.objects.filter(slug__in=audiences))
    person.regions.set(Region.objects.filter(code__in=regions))
    person.topics.set([Tag.objects.get_or_create(name=name)[0] for name in topics])
    return person


def queue(*people, subject="测试邮件", priority=50):
    """One mailing queued for ``people``, as the planners leave it."""
    mailing = Mailing.objects.create(
        kind=MailingKind.ISSUE,
        subject=subject,
        html="<p>正文</p><a href='KEPU-UNSUBSCRIBE-URL'>退订</a>",
        text="正文\n退订：KEPU-UNSUBSCRIBE-URL",
        priority=priority,
    )
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(mailing=mailing, subscriber=person, priority=priority, next_attempt_at=now)
            for person in people
        ]
    )
    return mailing


def statuses(mailing):
    return dict(Delivery.objects.filter(mailing=mailing).values_list("subscriber__email", "status"))
