"""Redis stopped mid-test: an alert is still issued, reaches the manifest, the banner and the
acks; push and the cache fail soft (a screen learns of it at its next poll)."""

import pytest
from django.test import Client

from alerts import active
from alerts.models import AlertAck
from screens.provisioning import provision
from tests.home.conftest import redis_server, site_on_own_redis  # noqa: F401 - fixtures

from .factories import issue, make_alert

pytestmark = pytest.mark.django_db


def test_an_alert_goes_out_with_redis_stopped(site_on_own_redis, site_tree, drafter, confirmer):  # noqa: F811
    screen, token = provision("赛罕区广场屏", "150105", "square")
    player = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert player.get("/api/v1/screens/manifest").json()["alerts"] == []

    site_on_own_redis.stop()

    alert = issue(make_alert(areas=("150105",), created_by=drafter), drafter, confirmer)
    assert alert.stage == "issued"
    manifest = player.get("/api/v1/screens/manifest")
    assert manifest.status_code == 200
    assert [card["identifier"] for card in manifest.json()["alerts"]] == [alert.identifier]
    active.forget()
    assert alert.headline in Client().get("/").content.decode()
    ack = player.post(
        "/api/v1/screens/acks", {"alert": alert.identifier}, content_type="application/json"
    )
    assert ack.status_code == 200
    assert AlertAck.objects.filter(alert=alert, screen=screen).exists()
