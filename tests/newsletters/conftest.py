import re

import pytest
from django.utils import timezone
from taggit.models import Tag

from content.models import Audience, Region
from newsletters.models import Status, Subscriber
from tests.site_tree import restore_seeded_rows

LINK = re.compile(r"https?://\S+/newsletters/\S+/")


@pytest.fixture
def taxonomy(db):
    """The seeded audiences, districts and topics (a flushing test may have removed them)."""
    restore_seeded_rows()


def signup_data(**overrides):
    data = {"email": "reader@example.cn", "cadence": "weekly", "website": ""}
    data.update(overrides)
    return data


def make_subscriber(email="reader@example.cn", status=Status.CONFIRMED, **preferences):
    subscriber = Subscriber.objects.create(
        email=email,
        status=status,
        cadence=preferences.pop("cadence", "weekly"),
        emergency=preferences.pop("emergency", False),
        consent_text="同意",
        confirmed_at=timezone.now() if status == Status.CONFIRMED else None,
    )
    subscriber.audiences.set(Audience.objects.filter(slug__in=preferences.get("audiences", ())))
    subscriber.topics.set(Tag.objects.filter(slug__in=preferences.get("topics", ())))
    subscriber.regions.set(Region.objects.filter(code__in=preferences.get("regions", ())))
    return subscriber


def links_in(received):
    """The newsletter links in a received message's plain-text part."""
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    return LINK.findall(text)


def path_of(url):
    return "/" + url.split("/", 3)[3]
