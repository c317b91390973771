"""The content index, audience and topic landing pages: filters in the URL, order, pages, and a
query count that does not grow with the number of items."""

import datetime

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.generation import bump_generation
from content.listing import PAGE_SIZE
from tests.content.factories import (
    ArticlePageFactory,
    ComicPageFactory,
    EmergencyGuidePageFactory,
    ImageFactory,
    VideoPageFactory,
)
from tests.site_tree import ensure_site_tree

pytestmark = pytest.mark.django_db


def titles(response):
    """Card titles in the order the page shows them."""
    html = response.content.decode()
    found = []
    for chunk in html.split('class="card__link" href="')[1:]:
        found.append(chunk.split(">", 1)[1].split("<", 1)[0])
    return found


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def library(site_tree):
    return {
        "article": ArticlePageFactory(
            title="老人防诈骗",
            audiences=["elderly"],
            topics=["防范电信诈骗"],
            regions=["150105"],
            first_published_at=days_ago(4),
        ),
        "video": VideoPageFactory(
            title="青少年科学视频",
            audiences=["youth"],
            topics=["科学精神"],
            regions=["150102"],
            first_published_at=days_ago(3),
        ),
        "comic": ComicPageFactory(
            title="老人数字技能漫画",
            audiences=["elderly", "public"],
            topics=["数字技能"],
            first_published_at=days_ago(2),
        ),
        "guide": EmergencyGuidePageFactory(
            title="牧区暴雪应对",
            audiences=["farmers"],
            topics=["应急避险"],
            regions=["150125"],
            first_published_at=days_ago(1),
        ),
    }


def test_index_lists_everything_newest_first(client, library):
    response = client.get("/kepu/")
    assert response.status_code == 200
    assert titles(response) == ["牧区暴雪应对", "老人数字技能漫画", "青少年科学视频", "老人防诈骗"]
    assert "共 4 条内容" in response.content.decode()


def test_filters_combine_across_keys_and_widen_within_a_key(client, library):
    assert titles(client.get("/kepu/?audience=elderly")) == ["老人数字技能漫画", "老人防诈骗"]
    assert titles(client.get("/kepu/?audience=elderly&type=article")) == ["老人防诈骗"]
    assert titles(client.get("/kepu/?type=video&type=comic")) == [
        "老人数字技能漫画",
        "青少年科学视频",
    ]
    assert titles(client.get("/kepu/?topic=科学精神")) == ["青少年科学视频"]
    # The city includes its districts.
    assert titles(client.get("/kepu/?region=150100")) == [
        "牧区暴雪应对",
        "青少年科学视频",
        "老人防诈骗",
    ]
    assert titles(client.get("/kepu/?region=150125&audience=farmers&type=emergency")) == [
        "牧区暴雪应对"
    ]
    assert titles(client.get("/kepu/?audience=youth&type=comic")) == []


def test_filter_form_works_without_javascript_and_shows_what_is_chosen(client, library):
    html = client.get("/kepu/?audience=elderly&type=comic").content.decode()
    assert '<form class="filters" method="get" action="/kepu/"' in html
    assert '<button class="button" type="submit">筛选</button>' in html
    assert 'name="audience" value="elderly" checked' in html
    assert 'name="type" value="comic" checked' in html
    assert 'name="audience" value="youth">' in html
    assert 'name="topic" value="数字技能">' in html
    assert 'name="region" value="150125">' in html
    assert 'href="/kepu/">清除筛选' in html


@pytest.mark.parametrize(
    "query",
    [
        "type=podcast",
        "audience=aliens",
        "topic=%E4%B8%8D%E5%AD%98%E5%9C%A8",
        "region=999999",
        "page=abc",
        "page=-3",
        "page=99999",
        "audience=" + "x" * 5000,
        "type=&audience=&topic=&region=",
    ],
)
def test_unknown_filter_values_are_ignored_not_errors(client, library, query):
    response = client.get(f"/kepu/?{query}")
    assert response.status_code == 200
    assert len(titles(response)) == 4


def test_unknown_values_do_not_drop_known_ones(client, library):
    assert titles(client.get("/kepu/?audience=aliens&audience=youth")) == ["青少年科学视频"]


def test_listing_is_paginated_and_keeps_filters_in_page_links(client, site_tree):
    for number in range(PAGE_SIZE + 3):
        ArticlePageFactory(
            title=f"文章{number:02d}", audiences=["youth"], first_published_at=days_ago(number)
        )
    first = client.get("/kepu/?audience=youth")
    assert titles(first)[0] == "文章00"
    assert len(titles(first)) == PAGE_SIZE
    html = first.content.decode()
    assert "第 1 / 2 页" in html
    assert 'href="?audience=youth&amp;page=2"' in html
    second = client.get("/kepu/?audience=youth&page=2")
    assert titles(second) == [f"文章{number:02d}" for number in range(PAGE_SIZE, PAGE_SIZE + 3)]


def test_drafts_and_unreviewed_pages_stay_off_listings(client, library):
    ArticlePageFactory(title="草稿", live=False)
    assert "草稿" not in titles(client.get("/kepu/"))


def test_audience_landing_page_lists_only_that_audience(client, library):
    response = client.get("/for/elderly/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>老年人科普</h1>" in html
    assert titles(response) == ["老人数字技能漫画", "老人防诈骗"]
    # The audience is fixed by the URL, so it is not offered as a filter again.
    assert 'name="audience"' not in html
    assert titles(client.get("/for/elderly/?type=article")) == ["老人防诈骗"]


def test_topic_landing_page_takes_chinese_slugs(client, library):
    response = client.get("/topics/防范电信诈骗/")
    assert response.status_code == 200
    assert titles(response) == ["老人防诈骗"]
    assert 'name="topic"' not in response.content.decode()


@pytest.mark.parametrize("path", ["/for/aliens/", "/topics/不存在的主题/", "/for/", "/topics/"])
def test_unknown_audience_or_topic_is_a_404(client, library, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_cards_link_to_pages_and_show_type(client, library):
    html = client.get("/kepu/").content.decode()
    assert f'href="{library["video"].url}"' in html
    assert '<p class="card__kind">视频</p>' in html


def make_items(count):
    """``count`` live items spread over the four types, each with a cover image."""
    factories = [
        ArticlePageFactory,
        VideoPageFactory,
        ComicPageFactory,
        EmergencyGuidePageFactory,
    ]
    for number in range(count):
        factories[number % 4](
            cover_image=ImageFactory(),
            audiences=["elderly"],
            topics=["健康生活"],
            first_published_at=days_ago(number),
        )


class ConstantQueryTests(TestCase):
    """Home, listing and landing pages cost the same number of queries for 5 items as for 50,
    both when they render from scratch (just after a content change) and on a repeat view, when
    routing, filter choices and rendered fragments come from the cache."""

    PATHS = ["/", "/kepu/", "/kepu/?audience=elderly&type=article", "/for/elderly/"]
    # Ceilings: a new per-request query is a conscious decision.
    COLD_CEILING = 21
    WARM_CEILING = 0

    def setUp(self):
        ensure_site_tree()

    def count(self, path, *, cold):
        if cold:
            bump_generation()
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(path).status_code, 200)
        return len(queries)

    def measure(self):
        counts = {}
        for path in self.PATHS:
            # The first view makes the image renditions; count the ones after it.
            self.client.get(path)
            counts[path] = (self.count(path, cold=True), self.count(path, cold=False))
        return counts

    def test_query_count_does_not_grow_with_items(self):
        make_items(5)
        small = self.measure()
        for path, (cold, warm) in small.items():
            self.assertLessEqual(cold, self.COLD_CEILING, path)
            self.assertLessEqual(warm, self.WARM_CEILING, path)
        make_items(45)
        bump_generation()
        for path, (cold, warm) in small.items():
            with self.subTest(path=path):
                self.client.get(path)  # renditions for the new covers
                bump_generation()
                with self.assertNumQueries(cold):
                    self.client.get(path)
                with self.assertNumQueries(warm):
                    self.client.get(path)
        # Sanity: the pages did list many more items the second time.
        self.assertIn("共 50 条内容", self.client.get("/kepu/").content.decode())
