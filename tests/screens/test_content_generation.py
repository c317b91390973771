"""Manifest versions follow the site-wide content generation (``content.generation``)."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.generation import GENERATION_KEY, bump_generation
from screens.signals import manifest_changed
from tests.content.factories import ArticlePageFactory, VideoPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def announcements():
    heard = []

    def receiver(sender, screen_ids, version, **kwargs):
        heard.append(version)

    manifest_changed.connect(receiver)
    yield heard
    manifest_changed.disconnect(receiver)


def test_any_content_change_elsewhere_changes_the_manifest_version(screen_client):
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]

    bump_generation()

    response = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_announced_version_is_the_one_the_next_poll_gets(
    screen_and_token, screen_client, announcements, django_capture_on_commit_callbacks
):
    screen, _ = screen_and_token
    with django_capture_on_commit_callbacks(execute=True):
        ArticlePageFactory(title="刚发布的科普文章")

    response = screen_client.get("/api/v1/screens/manifest")

    assert announcements, "a content change must announce new manifest versions"
    assert response["ETag"] == f'"{announcements[-1][screen.pk]}"'
    # The unchanged poll with that version is then answered from the cache alone.
    with CaptureQueriesContext(connection) as queries:
        again = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert len(queries) == 0


def test_replacing_a_video_file_or_its_captions_changes_the_manifest(
    screen_client, announcements, django_capture_on_commit_callbacks
):
    page = VideoPageFactory(title="沙尘暴防护视频")
    for changed in (page.video, page.captions):
        etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
        with django_capture_on_commit_callbacks(execute=True):
            changed.title = f"{changed.title}（新版）"
            changed.save()

        response = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=etag)

        assert response.status_code == 200
        assert response["ETag"] != etag
        assert announcements and response["ETag"] == f'"{next(iter(announcements[-1].values()))}"'
    assert "沙尘暴防护视频" in json.dumps(response.json(), ensure_ascii=False)


def test_lost_content_generation_is_refilled_by_the_full_path(screen_client):
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
    cache.delete(GENERATION_KEY)

    first = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=etag)
    assert first.status_code == 200
    assert cache.get(GENERATION_KEY) is not None
    with CaptureQueriesContext(connection) as queries:
        again = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert len(queries) == 0
