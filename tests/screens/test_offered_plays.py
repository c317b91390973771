"""Proof of play is accepted only for items that this screen's manifests offered it."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from screens import offers
from screens.models import OfferedItem, Play
from tests.content.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db

PLAYS = "/api/v1/screens/plays"
MANIFEST = "/api/v1/screens/manifest"


def plays_of(*items):
    started = timezone.now() - datetime.timedelta(minutes=5)
    return {
        "plays": [
            {
                "uuid": str(uuid.uuid4()),
                "item": item,
                "started_at": started.isoformat(),
                "duration_ms": 15000,
            }
            for item in items
        ]
    }


def send(client, body):
    return client.post(PLAYS, json.dumps(body), content_type="application/json")


def test_plays_of_offered_items_count_and_forged_ones_are_refused_by_name(
    make_screen, screen_and_token, screen_client
):
    shown = ArticlePageFactory(regions=["150105"])
    elsewhere = ArticlePageFactory(regions=["150102"])  # another district: never offered here
    manifest = screen_client.get(MANIFEST).json()
    assert str(shown.pk) in manifest["items"] and str(elsewhere.pk) not in manifest["items"]

    forged = send(screen_client, plays_of(str(shown.pk), str(elsewhere.pk), "123456"))
    assert forged.status_code == 400
    assert forged["Content-Type"].startswith("application/json")
    answer = forged.json()
    assert answer["rejected"] == sorted([str(elsewhere.pk), "123456"])
    assert any("plays[1].item" in problem and "从未下发" in problem for problem in answer["detail"])
    assert Play.objects.count() == 0  # the batch is refused whole

    accepted = send(screen_client, plays_of(str(shown.pk), str(shown.pk)))
    assert accepted.status_code == 200
    assert accepted.json() == {"accepted": 2, "duplicates": 0}
    assert set(Play.objects.values_list("page_id", flat=True)) == {shown.pk}


def test_what_another_screen_was_offered_does_not_count(make_screen, screen_client):
    ArticlePageFactory(regions=["150105"])
    theirs = ArticlePageFactory(regions=["150102"])
    _other, other_token = make_screen(name="新华广场屏", region="150102")
    from django.test import Client

    other_client = Client(HTTP_AUTHORIZATION=f"Bearer {other_token}")
    assert str(theirs.pk) in other_client.get(MANIFEST).json()["items"]
    screen_client.get(MANIFEST)

    response = send(screen_client, plays_of(str(theirs.pk)))
    assert response.status_code == 400
    assert response.json()["rejected"] == [str(theirs.pk)]
    assert send(other_client, plays_of(str(theirs.pk))).status_code == 200


def test_an_item_offered_by_an_earlier_manifest_still_counts(screen_and_token, screen_client):
    earlier = ArticlePageFactory(regions=["150105"])
    screen_client.get(MANIFEST)
    earlier.unpublish()  # gone from the next manifest, but the screen may have played it
    later = screen_client.get(MANIFEST).json()
    assert str(earlier.pk) not in later["items"]
    assert send(screen_client, plays_of(str(earlier.pk))).status_code == 200


def test_the_record_of_offers_is_bounded_per_screen(screen_and_token, settings):
    screen, _ = screen_and_token
    settings.SCREENS_OFFERED_MAX = 5
    start = timezone.now() - datetime.timedelta(days=40)
    for n in range(12):
        manifest = {"version": f"v{n}", "items": {str(1000 + n): {}}}
        offers.record(screen.pk, manifest, now=start + datetime.timedelta(days=n))
    # Older than the 30-day play window, or beyond the cap: pruned, newest kept.
    kept = sorted(OfferedItem.objects.filter(screen=screen).values_list("item", flat=True))
    assert kept == ["1007", "1008", "1009", "1010", "1011"]
    big = {"version": "big", "items": {str(n): {} for n in range(9)}}
    offers.record(screen.pk, big)  # one manifest larger than the cap is kept whole
    assert OfferedItem.objects.filter(screen=screen).count() == 9
