"""Feed validators are cached under the site-wide content generation (``content.generation``)."""

import pytest
from django.core.cache import cache

from content.generation import GENERATION_KEY, bump_generation
from tests.content.factories import ArticlePageFactory, emergency_section

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(site_tree):
    return ArticlePageFactory(title="科学养生", audiences=["elderly"])


def test_a_new_content_generation_makes_the_feed_check_the_database_again(
    client, article, django_assert_num_queries, django_assert_max_num_queries
):
    etag = client.get("/feeds/rss/")["ETag"]
    with django_assert_num_queries(0):
        assert client.get("/feeds/rss/", HTTP_IF_NONE_MATCH=etag).status_code == 304

    bump_generation()

    # Nothing the feed lists changed, so it is still a 304, but from a fresh check.
    with django_assert_max_num_queries(50) as queries:
        assert client.get("/feeds/rss/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(queries) > 0
    with django_assert_num_queries(0):
        assert client.get("/feeds/rss/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_lost_content_generation_is_refilled(client, article, django_assert_num_queries):
    etag = client.get("/feeds/json/")["ETag"]
    cache.delete(GENERATION_KEY)

    assert client.get("/feeds/json/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert cache.get(GENERATION_KEY) is not None
    with django_assert_num_queries(0):
        assert client.get("/feeds/json/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_moving_a_page_changes_the_validator(client, article):
    first = client.get("/feeds/rss/")
    old_path = article.relative_url(None)
    article.move(emergency_section(), pos="last-child")
    article.refresh_from_db()

    response = client.get("/feeds/rss/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert response.status_code == 200
    assert response["ETag"] != first["ETag"]
    body = response.content.decode()
    assert article.relative_url(None) in body
    assert old_path not in body
