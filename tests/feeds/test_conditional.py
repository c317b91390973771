"""Conditional GET: validators from the content, 304s without the database, cached bodies."""

import pytest

import feeds.views
from tests.content.factories import ArticlePageFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(site_tree):
    return ArticlePageFactory(title="科学养生", audiences=["elderly"], topics=["健康生活"])


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/", "/feeds/json/?audience=elderly"])
def test_unchanged_feed_answers_304_without_touching_the_database(
    client, article, url, django_assert_num_queries
):
    first = client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=60"
    etag, last_modified = first["ETag"], first["Last-Modified"]
    with django_assert_num_queries(0):
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    with django_assert_num_queries(0):
        since = client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert since.status_code == 304


def test_second_identical_request_is_not_rendered_again(
    client, article, monkeypatch, django_assert_num_queries
):
    calls = []
    original = feeds.views.describe_all

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(feeds.views, "describe_all", counting)
    first = client.get("/feeds/rss/")
    with django_assert_num_queries(0):
        second = client.get("/feeds/rss/")
    assert second.status_code == 200
    assert second.content == first.content
    assert len(calls) == 1


def test_stale_validators_get_the_full_feed(client, article):
    response = client.get("/feeds/rss/", HTTP_IF_NONE_MATCH='"something-else"')
    assert response.status_code == 200
    old = client.get("/feeds/rss/", HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT")
    assert old.status_code == 200


def test_publish_changes_the_validator_of_feeds_it_affects(client, article):
    elderly = client.get("/feeds/rss/?audience=elderly")["ETag"]
    youth = client.get("/feeds/rss/?audience=youth")["ETag"]
    # A new page for another audience: the elderly feed keeps its validator.
    publish(ArticlePageFactory(title="青少年编程", audiences=["youth"]))
    assert client.get("/feeds/rss/?audience=elderly", HTTP_IF_NONE_MATCH=elderly).status_code == 304
    changed = client.get("/feeds/rss/?audience=youth", HTTP_IF_NONE_MATCH=youth)
    assert changed.status_code == 200
    assert "青少年编程" in changed.content.decode()


def test_edit_and_republish_changes_the_validator(client, article):
    etag = client.get("/feeds/json/")["ETag"]
    article.title = "科学养生（修订）"
    publish(article)
    response = client.get("/feeds/json/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "科学养生（修订）" in response.content.decode()


def test_unpublish_changes_the_validator(client, article):
    etag = client.get("/feeds/atom/")["ETag"]
    article.unpublish()
    response = client.get("/feeds/atom/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "科学养生" not in response.content.decode()
    assert response["ETag"] != etag


def test_delete_changes_the_validator(client, article):
    etag = client.get("/feeds/rss/")["ETag"]
    article.delete()
    response = client.get("/feeds/rss/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "科学养生" not in response.content.decode()


def test_formats_and_filters_have_their_own_validators(client, article):
    etags = {
        client.get(url)["ETag"]
        for url in [
            "/feeds/rss/",
            "/feeds/atom/",
            "/feeds/json/",
            "/feeds/rss/?audience=elderly",
            "/feeds/rss/?limit=5",
        ]
    }
    assert len(etags) == 5
