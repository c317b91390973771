import hashlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.content.factories import (
    ArticlePageFactory,
    ComicPageFactory,
    EmergencyGuidePageFactory,
    ImageFactory,
    VideoPageFactory,
)

pytestmark = pytest.mark.django_db


def served_bytes(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_manifest_lists_city_content_with_verifiable_media(screen_client, client):
    article = ArticlePageFactory(cover_image=ImageFactory(), regions=["150100"])
    video = VideoPageFactory(regions=["150105"])
    comic = ComicPageFactory()
    alert = EmergencyGuidePageFactory(actions="关好门窗\n减少外出\n外出戴口罩")
    elsewhere = ArticlePageFactory(regions=["150102"])  # another district's screen content
    ArticlePageFactory(live=False)

    response = screen_client.get("/api/v1/screens/manifest")

    assert response.status_code == 200
    manifest = response.json()
    assert response["ETag"] == f'"{manifest["version"]}"'
    page_ids = {item["page_id"] for item in manifest["items"].values()}
    assert page_ids == {article.pk, video.pk, comic.pk, alert.pk}
    assert elsewhere.pk not in page_ids
    items = {item["page_id"]: item for item in manifest["items"].values()}
    assert items[alert.pk]["actions"] == ["关好门窗", "减少外出", "外出戴口罩"]
    assert items[alert.pk]["hazard"] == "sandstorm"
    assert items[article.pk]["kind"] == "card" and items[article.pk]["duration"] == 15.0
    assert items[comic.pk]["kind"] == "comic"
    assert [panel["duration"] for panel in items[comic.pk]["panels"]] == [8.0, 8.0]
    assert items[video.pk]["duration"] == 5.0
    roles = {media["role"] for media in items[video.pk]["media"]}
    assert {"video", "captions"} <= roles
    for item in manifest["items"].values():
        for media in item["media"]:
            body = served_bytes(client, media["url"])
            assert hashlib.sha256(body).hexdigest() == media["sha256"]
            assert len(body) == media["bytes"]
    assert items[article.pk]["media"][0]["mime"] == "image/webp"
    # One window covers today through at least 7 days ahead, looping all items.
    assert len(manifest["schedule"]) == 1
    assert set(manifest["schedule"][0]["items"]) == set(manifest["items"])
    assert manifest["screen"]["region"] == "150105"
    assert 270 <= manifest["poll_seconds"] <= 330


def test_unchanged_poll_is_a_304_without_database_queries(screen_client):
    ArticlePageFactory()
    first = screen_client.get("/api/v1/screens/manifest")
    etag = first["ETag"]

    with CaptureQueriesContext(connection) as queries:
        again = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again["ETag"] == etag
    assert len(queries) == 0


def test_publishing_content_changes_the_version(screen_client):
    ArticlePageFactory()
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
    new = ArticlePageFactory(title="新发布的内容")

    response = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert new.title in json.dumps(response.json(), ensure_ascii=False)
