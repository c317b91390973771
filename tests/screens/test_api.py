import datetime
import json
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from screens import auth
from screens.models import Play, Screen
from tests.content.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


def post(client, url, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **extra)


def poll_pairing(client, secret):
    return post(client, "/api/v1/screens/pairing/poll", {"claim_secret": secret})


def test_pairing_gives_the_token_once_after_an_editor_claims(make_screen, admin_client):
    screen, _ = make_screen()
    client = Client()
    started = client.post("/api/v1/screens/pairing")
    assert started.status_code == 201
    code, secret = started.json()["code"], started.json()["claim_secret"]
    assert len(code) == 6 and not set(code) & set("IO01L")
    assert poll_pairing(client, secret).json() == {"status": "waiting"}

    claimed = admin_client.post(
        "/admin/screens/claim/", {"code": code.lower(), "screen": screen.pk}
    )
    assert claimed.status_code == 302

    answer = poll_pairing(client, secret).json()
    assert answer["status"] == "claimed"
    token = answer["token"]
    assert poll_pairing(client, secret).status_code == 404
    manifest = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/screens/manifest")
    assert manifest.status_code == 200
    assert manifest.json()["screen"]["id"] == screen.pk


def test_claiming_an_unknown_code_says_so(make_screen, admin_client):
    screen, _ = make_screen()
    response = admin_client.post("/admin/screens/claim/", {"code": "ZZZZZZ", "screen": screen.pk})
    assert response.status_code == 200
    assert "配对码不存在或已过期" in response.content.decode()


def test_tokens_are_stored_hashed(screen_and_token):
    screen, token = screen_and_token
    screen.refresh_from_db()
    assert token not in screen.token_hash
    assert screen.token_hash == auth.hash_token(token)
    assert not Screen.objects.filter(token_hash=token).exists()


@pytest.mark.parametrize(
    "header", [None, "Bearer ", "Bearer kps_wrong-token-000000000000000000000", "Basic abc"]
)
def test_missing_or_wrong_tokens_are_401(site_tree, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    assert Client(**extra).get("/api/v1/screens/manifest").status_code == 401


def test_revoked_token_is_401_even_when_cached(screen_and_token, screen_client, admin_client):
    screen, _ = screen_and_token
    assert screen_client.get("/api/v1/screens/manifest").status_code == 200
    response = admin_client.post(f"/admin/screens/{screen.pk}/revoke/")
    assert response.status_code == 302
    assert screen_client.get("/api/v1/screens/manifest").status_code == 401


def test_disabled_screen_is_401(screen_and_token, screen_client):
    screen, _ = screen_and_token
    assert screen_client.get("/api/v1/screens/manifest").status_code == 200
    screen.enabled = False
    screen.save()
    assert screen_client.get("/api/v1/screens/manifest").status_code == 401


def test_token_lookup_survives_a_cache_flush(screen_and_token, screen_client):
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
    cache.clear()
    response = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code in (200, 304)
    again = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_screen_edit_invalidates_its_manifest(screen_and_token, screen_client):
    screen, _ = screen_and_token
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
    screen.width, screen.height = 1080, 1920
    screen.orientation = "portrait"
    screen.save()
    response = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["screen"]["orientation"] == "portrait"


def test_heartbeat_records_status_and_clock_skew(screen_and_token, screen_client):
    screen, _ = screen_and_token
    client_time = timezone.now() + datetime.timedelta(minutes=4)
    response = post(
        screen_client,
        "/api/v1/screens/heartbeat",
        {
            "player_version": "1.2.0",
            "current_item": "12",
            "free_storage_bytes": 5_000_000_000,
            "client_time": client_time.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "server_time" in response.json()
    screen.refresh_from_db()
    assert screen.player_version == "1.2.0"
    assert screen.free_storage_bytes == 5_000_000_000
    assert 230_000 < screen.clock_skew_ms < 250_000
    assert screen.last_seen_at is not None


def test_heartbeat_does_not_change_the_manifest_version(screen_client):
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
    post(screen_client, "/api/v1/screens/heartbeat", {"client_time": timezone.now().isoformat()})
    again = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def plays_batch(page, count=3, **overrides):
    started = timezone.now() - datetime.timedelta(minutes=30)
    return {
        "plays": [
            {
                "uuid": str(uuid.uuid4()),
                "item": str(page.pk),
                "started_at": (started + datetime.timedelta(seconds=15 * n)).isoformat(),
                "duration_ms": 15000,
                **overrides,
            }
            for n in range(count)
        ]
    }


def test_a_batch_sent_twice_counts_once(screen_client):
    page = ArticlePageFactory()
    batch = plays_batch(page)
    first = post(screen_client, "/api/v1/screens/plays", batch)
    second = post(screen_client, "/api/v1/screens/plays", batch)
    assert first.json() == {"accepted": 3, "duplicates": 0}
    assert second.json() == {"accepted": 0, "duplicates": 3}
    assert Play.objects.count() == 3


def test_plays_tolerate_a_player_clock_minutes_off(screen_client):
    page = ArticlePageFactory()
    future = (timezone.now() + datetime.timedelta(minutes=5)).isoformat()
    response = post(screen_client, "/api/v1/screens/plays", plays_batch(page, 1, started_at=future))
    assert response.status_code == 200
    play = Play.objects.get()
    assert play.received_at <= timezone.now()
    assert play.started_at > play.received_at


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"item": "999999"}, "从未下发"),
        ({"started_at": "2099-01-01T00:00:00+08:00"}, "时间在未来"),
        ({"started_at": "2001-01-01T00:00:00+08:00"}, "早于 30 天前"),
    ],
)
def test_bad_plays_are_400_and_store_nothing(screen_client, overrides, message):
    page = ArticlePageFactory()
    batch = plays_batch(page, 2)
    batch["plays"][1].update(overrides)
    response = post(screen_client, "/api/v1/screens/plays", batch)
    assert response.status_code == 400
    assert message in json.dumps(response.json(), ensure_ascii=False)
    assert Play.objects.count() == 0


def test_oversized_and_malformed_bodies_are_400(screen_client):
    page = ArticlePageFactory()
    too_many = plays_batch(page, 501)
    assert post(screen_client, "/api/v1/screens/plays", too_many).status_code == 400
    big = {"client_time": timezone.now().isoformat(), "player_version": "x" * 5000}
    response = post(screen_client, "/api/v1/screens/heartbeat", big)
    assert response.status_code == 400 and "4096" in response.json()["detail"]
    assert post(screen_client, "/api/v1/screens/plays", "{not json").status_code == 400
    assert post(screen_client, "/api/v1/screens/heartbeat", {}).status_code == 400
    assert Play.objects.count() == 0


def test_reports_are_rate_limited_per_screen(screen_client, settings):
    settings.SCREENS_RATE_PER_MINUTE = 3
    body = {"client_time": timezone.now().isoformat()}
    codes = [post(screen_client, "/api/v1/screens/heartbeat", body).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_heartbeats_and_plays_share_one_budget_and_a_429_says_when_to_retry(
    screen_client, settings
):
    settings.SCREENS_RATE_PER_MINUTE = 2
    body = {"client_time": timezone.now().isoformat()}
    assert post(screen_client, "/api/v1/screens/heartbeat", body).status_code == 200
    assert post(screen_client, "/api/v1/screens/heartbeat", body).status_code == 200
    refused = post(screen_client, "/api/v1/screens/plays", {"plays": []})
    assert refused.status_code == 429
    assert refused.json() == {"detail": "请求过于频繁，请稍后再试。"}
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_create_screen_prints_token_and_fragment_url(site_tree, capsys):
    call_command(
        "create_screen", "--name", "机场到达厅", "--region", "150105", "--place", "airport"
    )
    out = capsys.readouterr().out
    token = out.split("token: ")[1].split()[0]
    assert f"/screen/#token={token}" in out
    screen = Screen.objects.get(name="机场到达厅")
    assert screen.place == "airport" and screen.token_hash == auth.hash_token(token)


def test_import_screens_creates_all_or_names_the_bad_line(site_tree, tmp_path, capsys):
    good = tmp_path / "screens.csv"
    good.write_text(
        "name,region,place,address,latitude,longitude,orientation,width,height\n"
        "新华广场东屏,150102,广场,新华大街,40.81,111.67,landscape,1920,1080\n"
        "火车站竖屏,150102,station,,,,portrait,1080,1920\n",
        encoding="utf-8",
    )
    call_command("import_screens", str(good))
    assert Screen.objects.count() == 2
    assert "2 screens created" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_text("name,region,place\n甲屏,150102,park\n乙屏,999999,park\n", encoding="utf-8")
    with pytest.raises(Exception, match="line 3"):
        call_command("import_screens", str(bad))
    assert Screen.objects.count() == 2


def test_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/screens/manifest",
        "/api/v1/screens/heartbeat",
        "/api/v1/screens/plays",
        "/api/v1/screens/pairing",
        "/api/v1/screens/pairing/poll",
    ):
        assert path in paths


def test_api_error_schema_is_not_shared_with_other_apps(client):
    """django-ninja names components by class: a shared name would overwrite another app's."""
    document = client.get("/api/v1/openapi.json").json()
    manifest = document["paths"]["/api/v1/screens/manifest"]["get"]["responses"]
    schemas = document["components"]["schemas"]
    error = manifest["401"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schemas[error]["properties"]) == {"detail", "error", "rejected"}
    item = schemas["ManifestOut"]["properties"]["items"]["additionalProperties"]["$ref"]
    panels = schemas[item.rsplit("/", 1)[1]]["properties"]["panels"]["anyOf"][0]["items"]["$ref"]
    assert set(schemas[panels.rsplit("/", 1)[1]]["properties"]) == {"media", "text", "duration"}


# --- the 304 shortcut (screens.middleware) must answer exactly as the operation does ----------


def poll(client, etag, **extra):
    return client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=etag, **extra)


@pytest.mark.parametrize(
    "header", ["W/{etag}", '"other", {etag}', "*"], ids=["weak", "list", "star"]
)
def test_unchanged_poll_forms_all_answer_304_with_the_manifest_headers(screen_client, header):
    first = screen_client.get("/api/v1/screens/manifest")
    etag = first["ETag"]

    response = poll(screen_client, header.format(etag=etag))

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response["Cache-Control"] == first["Cache-Control"] == "private, no-cache"
    assert response.content == b""


def test_cached_and_cold_304s_carry_the_same_validators(screen_and_token, screen_client):
    _screen, token = screen_and_token
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
    warm = poll(screen_client, etag)
    # Without the token entry the shortcut cannot answer: the operation does, from the database.
    cache.delete(auth.token_cache_key(auth.hash_token(token)))
    with CaptureQueriesContext(connection) as queries:
        cold = poll(screen_client, etag)
    assert len(queries) > 0
    assert warm.status_code == cold.status_code == 304
    for header in ("ETag", "Cache-Control"):
        assert warm[header] == cold[header]


def test_revoked_token_with_a_current_etag_is_401(screen_and_token, screen_client, admin_client):
    screen, _ = screen_and_token
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
    assert admin_client.post(f"/admin/screens/{screen.pk}/revoke/").status_code == 302
    assert poll(screen_client, etag).status_code == 401


def test_disabled_screen_with_a_current_etag_is_401(screen_and_token, screen_client):
    screen, _ = screen_and_token
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
    screen.enabled = False
    screen.save()
    assert poll(screen_client, etag).status_code == 401


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic abc", "Bearer kps_wrong-token-000000000000000000000", "Bearer  {token}"],
    ids=["none", "basic", "unknown", "double-space"],
)
def test_a_current_etag_without_the_right_token_is_401(
    screen_and_token, screen_client, authorization
):
    _screen, token = screen_and_token
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
    extra = (
        {} if authorization is None else {"HTTP_AUTHORIZATION": authorization.format(token=token)}
    )
    assert poll(Client(**extra), etag).status_code == 401


def test_another_screens_etag_is_not_304(make_screen):
    first, first_token = make_screen(name="甲屏")
    second, second_token = make_screen(name="乙屏", region="150102", place="park")
    Screen.objects.filter(pk=second.pk).update(config_version=first.config_version + 5)
    second.refresh_from_db()
    auth.remember(second)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {first_token}")
    other = Client(HTTP_AUTHORIZATION=f"Bearer {second_token}")
    etag = other.get("/api/v1/screens/manifest")["ETag"]
    response = poll(client, etag)
    assert response.status_code == 200
    assert response.json()["screen"]["name"] == "甲屏"


def test_disallowed_host_is_400_even_for_an_unchanged_poll(screen_client, settings):
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
    settings.ALLOWED_HOSTS = ["kepu.example.cn"]
    assert poll(screen_client, etag, HTTP_HOST="evil.example.com").status_code == 400
    assert poll(screen_client, etag, HTTP_HOST="kepu.example.cn").status_code == 304
