"""The /search/ page without JavaScript: results with highlighted words, filters with counts,
pagination, editor's picks, a helpful page when nothing is found, and suggestions as JSON."""

import pytest
from wagtail.contrib.search_promotions.models import Query, SearchPromotion

from content.models import Audience
from search import querylog
from tests.content import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(site_tree):
    Audience.objects.get_or_create(slug="farmers", defaults={"name": "农牧民"})
    found = [
        factories.ArticlePageFactory(
            title=f"草原防火须知{n}", summary="春季草原防火期", body=[], audiences=["farmers"]
        )
        for n in range(12)
    ]
    video = factories.VideoPageFactory(title="马铃薯种植", summary="种薯切块", transcript="防火")
    for page in [*found, video]:
        factories.publish(page)
    return found, video


def test_results_are_listed_with_the_matched_words_marked(client, pages):
    response = client.get("/search/", {"q": "防火"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "共找到 13 条结果" in html
    assert "草原<mark>防火</mark>须知" in html
    assert 'rel="next"' in html  # 13 results, 10 per page


def test_the_second_page_and_filters_work_as_plain_links_and_forms(client, pages):
    html = client.get("/search/", {"q": "防火", "page": 2}).content.decode()
    assert "第 2 / 2 页" in html
    html = client.get("/search/", {"q": "防火", "type": "video"}).content.decode()
    assert "共找到 1 条结果" in html and "马铃薯种植" in html
    assert 'name="type" value="video" checked' in html
    html = client.get("/search/", {"q": "防火", "audience": "farmers"}).content.decode()
    assert "共找到 12 条结果" in html
    assert '农牧民 <span class="search-filters__count">(12)</span>' in html


def test_editors_picks_come_first(client, pages):
    found, video = pages
    SearchPromotion.objects.create(query=Query.get("防火"), page=video, sort_order=0)
    html = client.get("/search/", {"q": "防火"}).content.decode()
    assert html.index("编辑推荐") < html.index("search-results__list")


def test_zero_results_offer_popular_searches_and_topics(client, pages):
    for _ in range(5):  # POPULAR_SEARCH_MIN_COUNT
        querylog.record_search("草原防火", 9)
    factories.publish(factories.ArticlePageFactory(title="带主题", topics=["应急避险"]))
    html = client.get("/search/", {"q": "火星移民"}).content.decode()
    assert "没有找到相关内容" in html
    assert "?q=%E8%8D%89%E5%8E%9F%E9%98%B2%E7%81%AB" in html  # 草原防火
    assert "应急避险" in html


def test_bad_input_shows_a_message_with_400(client, pages):
    response = client.get("/search/", {"q": "防火", "type": "podcast"})
    assert response.status_code == 400
    assert "未知的 type" in response.content.decode()
    assert client.get("/search/", {"q": "字" * 500}).status_code == 400


def test_suggestions_complete_partly_typed_chinese(client, pages):
    data = client.get("/search/suggest/", {"q": "马铃"}).json()
    assert [item["title"] for item in data["suggestions"]] == ["马铃薯种植"]
    assert data["suggestions"][0]["url"]
    assert client.get("/search/suggest/", {"q": "，"}).json()["suggestions"] == []
    assert client.get("/search/suggest/", {"q": "字" * 201}).status_code == 400
