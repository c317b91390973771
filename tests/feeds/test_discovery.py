"""Feed discovery on public pages and the 订阅 page."""

import re
from urllib.parse import quote

import pytest

from tests.content.factories import ArticlePageFactory, content_section

pytestmark = pytest.mark.django_db


def alternates(html):
    return {
        (match.group(1), match.group(2))
        for match in re.finditer(
            r'<link rel="alternate" type="([^"]+)" title="[^"]+" href="([^"]+)">', html
        )
    }


@pytest.fixture
def article(site_tree):
    return ArticlePageFactory(audiences=["elderly"], topics=["防范电信诈骗"])


def test_home_page_links_the_unfiltered_feeds(client, article):
    html = client.get("/").content.decode()
    assert alternates(html) == {
        ("application/rss+xml", "/feeds/rss/"),
        ("application/atom+xml", "/feeds/atom/"),
        ("application/feed+json", "/feeds/json/"),
    }


def test_listing_links_feeds_with_its_filters(client, article):
    url = content_section().url
    html = client.get(f"{url}?audience=elderly&type=article").content.decode()
    assert ("application/rss+xml", "/feeds/rss/?type=article&amp;audience=elderly") in alternates(
        html
    )


def test_audience_and_topic_pages_link_their_own_feeds(client, article):
    html = client.get("/for/elderly/").content.decode()
    assert ("application/atom+xml", "/feeds/atom/?audience=elderly") in alternates(html)
    topic = quote("防范电信诈骗")
    html = client.get(f"/topics/{topic}/").content.decode()
    assert ("application/feed+json", f"/feeds/json/?topic={topic}") in alternates(html)


def test_subscribe_page_lists_feeds_per_audience_and_topic(client, article):
    response = client.get("/feeds/")
    assert response.status_code == 200
    html = response.content.decode()
    for line in ("RSS 2.0", "Atom 1.0", "JSON Feed 1.1"):
        assert line in html
    assert "老年人" in html and "http://testserver/feeds/rss/?audience=elderly" in html
    topic = quote("防范电信诈骗")
    assert f"http://testserver/feeds/json/?topic={topic}" in html
    assert "最通用的订阅格式" in html
