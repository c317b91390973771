"""Out-of-range datetimes, NUL and lone surrogates in the screen API: a 400 JSON naming the field,
nothing stored, never a 500 (SQLite and PostgreSQL alike)."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from screens.models import Play, Screen
from tests.content.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db

HEARTBEAT = "/api/v1/screens/heartbeat"
PLAYS = "/api/v1/screens/plays"


def post(client, url, raw):
    return client.post(url, raw, content_type="application/json")


def now_iso():
    return timezone.now().isoformat()


def assert_refused(response, field):
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert any(field in problem for problem in response.json()["detail"])


@pytest.mark.parametrize(
    "field", ["online_since", "client_time"], ids=["online_since", "client_time"]
)
@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00",  # naive: made local (+08:00), which is before year 1 in UTC
        "9999-12-31T23:59:59",
        "1970-01-01T00:00:00Z",
    ],
)
def test_heartbeat_times_out_of_range_are_400_json(screen_and_token, screen_client, field, moment):
    screen, _ = screen_and_token
    body = {"client_time": now_iso(), field: moment}
    assert_refused(post(screen_client, HEARTBEAT, json.dumps(body)), field)
    screen.refresh_from_db()
    assert screen.last_seen_at is None and screen.online_since is None


@pytest.mark.parametrize(
    "raw_value",
    ['"v1\\u0000"', '"\\u0000"', '"v1\\ud800"', '"v1\\u0007beep"'],
    ids=["nul", "only-nul", "lone-surrogate", "bell"],
)
@pytest.mark.parametrize("field", ["player_version", "current_item"])
def test_heartbeat_text_with_nul_or_surrogates_is_400_json(
    screen_and_token, screen_client, raw_value, field
):
    screen, _ = screen_and_token
    raw = f'{{"client_time": "{now_iso()}", "{field}": {raw_value}}}'
    assert_refused(post(screen_client, HEARTBEAT, raw), field)
    screen.refresh_from_db()
    assert screen.last_seen_at is None


def test_a_sane_heartbeat_is_still_recorded(screen_and_token, screen_client):
    screen, _ = screen_and_token
    since = (timezone.now() - datetime.timedelta(hours=3)).isoformat()
    body = {"client_time": now_iso(), "online_since": since, "player_version": "2.1 (测试)"}
    response = post(screen_client, HEARTBEAT, json.dumps(body))
    assert response.status_code == 200
    screen = Screen.objects.get(pk=screen.pk)
    assert screen.player_version == "2.1 (测试)"
    assert abs(screen.online_since - datetime.datetime.fromisoformat(since)).total_seconds() < 1


@pytest.mark.parametrize(
    ("field", "raw_value"),
    [
        ("started_at", '"0001-01-01T00:00:00+23:59"'),
        ("started_at", '"9999-12-31T23:59:59-23:59"'),
        ("item", '"1\\u0000"'),
        ("item", '"\\udfff"'),
    ],
)
def test_plays_with_hostile_fields_are_400_json(screen_client, field, raw_value):
    page = ArticlePageFactory()
    play = {
        "uuid": str(uuid.uuid4()),
        "item": str(page.pk),
        "started_at": now_iso(),
        "duration_ms": 1000,
    }
    encoded = json.dumps(play)
    encoded = encoded.replace(json.dumps(play[field]), raw_value)
    assert_refused(post(screen_client, PLAYS, f'{{"plays": [{encoded}]}}'), field)
    assert Play.objects.count() == 0
