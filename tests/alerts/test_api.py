"""The alerts' JSON surfaces: the manifest's ``alerts``, ``/api/v1/alerts`` and screens' acks."""

import pytest
from django.test import Client

from alerts import issuing
from alerts.models import AlertAck
from screens.provisioning import provision

from .factories import issue, make_alert

pytestmark = pytest.mark.django_db

ACKS = "/api/v1/screens/acks"
MANIFEST = "/api/v1/screens/manifest"


def screen_client(name, region):
    screen, token = provision(name, region, "square")
    return screen, Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_manifest_carries_active_alerts_for_the_screen_only(drafter, confirmer, site_tree):
    _screen, inside = screen_client("赛罕区广场屏", "150105")
    _other, outside = screen_client("武川县车站屏", "150125")
    before = inside.get(MANIFEST).json()
    assert before["alerts"] == []

    blue = issue(make_alert(areas=("150100",), created_by=drafter), drafter, confirmer)
    red = issue(
        make_alert(
            areas=("150105",),
            created_by=drafter,
            severity="Extreme",
            event="暴雪红色预警",
            status="Exercise",
        ),
        drafter,
    )
    etag = before and inside.get(MANIFEST).headers["ETag"]
    cards = inside.get(MANIFEST).json()["alerts"]
    assert [card["identifier"] for card in cards] == [red.identifier, blue.identifier]
    assert cards[0]["colour"] == "red" and cards[0]["label"] == "演练"
    assert cards[1]["instruction"] == blue.instruction_lines
    assert cards[1]["url"].endswith(f"/alerts/{blue.identifier}/")
    assert [card["identifier"] for card in outside.get(MANIFEST).json()["alerts"]] == [
        blue.identifier
    ]

    issuing.cancel(red, drafter, "演练结束")
    again = inside.get(MANIFEST, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200, "a cancel changes the manifest version"
    assert [card["identifier"] for card in again.json()["alerts"]] == [blue.identifier]


def test_acks_are_recorded_once_per_screen_and_only_for_targeted_screens(
    drafter, confirmer, site_tree
):
    screen, client = screen_client("赛罕区广场屏", "150105")
    _other, outside = screen_client("武川县车站屏", "150125")
    alert = issue(make_alert(areas=("150105",), created_by=drafter), drafter, confirmer)

    first = client.post(ACKS, {"alert": alert.identifier}, content_type="application/json")
    assert first.status_code == 200 and first.json()["first"] is True
    again = client.post(ACKS, {"alert": alert.identifier}, content_type="application/json")
    assert again.status_code == 200 and again.json()["first"] is False
    assert again.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert AlertAck.objects.filter(alert=alert, screen=screen).count() == 1

    refused = outside.post(ACKS, {"alert": alert.identifier}, content_type="application/json")
    assert refused.status_code == 400 and "不是发给这块屏幕" in refused.json()["detail"]
    # Moved into the area (a save of the screen), it may acknowledge: nothing stale is kept.
    _other.region = screen.region
    _other.save()
    moved = outside.post(ACKS, {"alert": alert.identifier}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["first"] is True
    AlertAck.objects.filter(screen=_other).delete()
    unknown = client.post(ACKS, {"alert": "no-such-alert"}, content_type="application/json")
    assert unknown.status_code == 404
    assert (
        Client()
        .post(ACKS, {"alert": alert.identifier}, content_type="application/json")
        .status_code
        == 401
    )
    bad = client.post(ACKS, {"alert": ""}, content_type="application/json")
    assert bad.status_code == 400
    assert AlertAck.objects.count() == 1


def test_a_draft_is_not_acknowledged(drafter, site_tree):
    _screen, client = screen_client("赛罕区广场屏", "150105")
    draft = make_alert(areas=("150105",), created_by=drafter)
    response = client.post(ACKS, {"alert": draft.identifier}, content_type="application/json")
    assert response.status_code == 404


def test_the_alerts_api_filters_by_region_up_and_down_the_tree(
    drafter, confirmer, site_tree, client
):
    city = issue(make_alert(areas=("150100",), created_by=drafter), drafter, confirmer)
    district = issue(
        make_alert(areas=("150125",), created_by=drafter, event="暴雪橙色预警", severity="Severe"),
        drafter,
        confirmer,
    )
    every = client.get("/api/v1/alerts").json()["alerts"]
    assert [card["identifier"] for card in every] == [district.identifier, city.identifier]
    assert every[0]["areas"] == [{"code": "150125", "name": "武川县"}]
    assert every[0]["cap_url"].endswith(f"/alerts/cap/{district.identifier}.xml")

    def codes(region):
        response = client.get("/api/v1/alerts", {"region": region})
        assert response.status_code == 200
        return [card["identifier"] for card in response.json()["alerts"]]

    assert codes("150125") == [district.identifier, city.identifier]
    assert codes("150105") == [city.identifier]
    assert codes("150100") == [district.identifier, city.identifier]
    unknown = client.get("/api/v1/alerts", {"region": "999999"})
    assert unknown.status_code == 400 and "未知的区划代码" in unknown.json()["detail"][0]


def test_the_openapi_document_describes_both_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/alerts" in paths and "/api/v1/screens/acks" in paths
    manifest = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["ManifestOut"]
    assert "alerts" in manifest["properties"]


def test_acks_are_recorded_once_where_the_database_cannot_return_inserted_rows(
    drafter, confirmer, site_tree, monkeypatch
):
    """The ack's one-statement insert needs INSERT … RETURNING; without it the same answers
    come from an insert that ignores conflicts and a read."""
    from django.db import connection

    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    screen, client = screen_client("赛罕区广场屏", "150105")
    alert = issue(make_alert(areas=("150105",), created_by=drafter), drafter, confirmer)
    first = client.post(ACKS, {"alert": alert.identifier}, content_type="application/json")
    again = client.post(ACKS, {"alert": alert.identifier}, content_type="application/json")
    assert first.json()["first"] is True and again.json()["first"] is False
    assert again.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert AlertAck.objects.filter(alert=alert, screen=screen).count() == 1


def test_an_alert_s_times_are_whole_seconds_never_earlier_than_given(drafter, confirmer, site_tree):
    """Cards and CAP carry whole seconds; a screen judging a card offline must not end the alert
    before the time the operator gave, so a fraction moves the time to the next second."""
    import datetime

    from django.utils import timezone

    from alerts import cards

    given = timezone.now().replace(microsecond=400_000) + datetime.timedelta(minutes=30)
    alert = make_alert(areas=("150105",), created_by=drafter, expires=given)
    alert.refresh_from_db()
    assert alert.expires == given.replace(microsecond=0) + datetime.timedelta(seconds=1)
    card_expires = datetime.datetime.fromisoformat(cards.card(alert)["expires"])
    assert card_expires == alert.expires and card_expires > given
