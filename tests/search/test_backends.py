"""Our backend on whichever database the suite runs on (SQLite here, PostgreSQL in CI's
second pass): two-character words inside longer runs are found in every indexed field."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from modelsearch.query import MATCH_ALL, Phrase, PlainText
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from content.models import ArticlePage
from search.catalogue import get_catalogue
from search.service import SearchParams, allowed_ids, candidates
from tests.content import factories

pytestmark = pytest.mark.django_db


def article(title, **fields):
    fields.setdefault("summary", "摘要")
    fields.setdefault("body", [])
    return factories.ArticlePageFactory(title=title, **fields)


def titles(results):
    return [page.title for page in results]


def titles_of(pks):
    found = Page.objects.in_bulk(pks)
    return [found[pk].title for pk in pks]


def search_ids(query, params=None, **kwargs):
    return get_search_backend().search_ids(query, allowed_ids(params or SearchParams()), **kwargs)


def search(query):
    """The titles found, best first: by the explicit search_ids (what the site asks), checked
    against Wagtail's search API over the same pages (filtered in SQL there)."""
    hits = search_ids(query, limit=100)
    found = titles_of(hits.ranked_ids)
    assert found == titles(get_search_backend().search(query, candidates(SearchParams())))
    assert hits.count == len(found)
    return found


def test_the_backend_in_use_is_ours_for_this_database():
    backend = get_search_backend()
    expected = (
        "CJKPostgresSearchBackend"
        if connection.vendor == "postgresql"
        else "CJKSQLiteSearchBackend"
    )
    assert type(backend).__name__ == expected


@pytest.mark.parametrize(
    ("factory", "fields", "word"),
    [
        (factories.ArticlePageFactory, {"title": "科普青城数字化平台上线"}, "数字"),
        (
            factories.ArticlePageFactory,
            {"body": [("paragraph", "<p>他在呼和浩特市新城区工作多年</p>")]},
            "城区",
        ),
        (factories.ArticlePageFactory, {"summary": "冬季取暖谨防一氧化碳中毒"}, "碳中"),
        (factories.VideoPageFactory, {"transcript": "大家好今天讲马铃薯种薯切块"}, "种薯"),
        (factories.ComicPageFactory, {"panels": ["巴特尔大叔说草原防火最要紧"]}, "防火"),
        (
            factories.EmergencyGuidePageFactory,
            {"actions": "关好门窗\n减少外出活动\n戴口罩"},
            "外出",
        ),
    ],
)
def test_two_character_word_inside_a_longer_run_is_found(factory, fields, word):
    page = factory(title=fields.pop("title", "无关标题"), **fields)
    article("另一篇文章")
    assert search(word) == [page.title]


def test_topic_audience_and_region_names_are_searchable(db):
    from content.models import Audience, Region

    Audience.objects.get_or_create(slug="farmers", defaults={"name": "农牧民"})
    Region.add_root(name="武川县", code="150125") if not Region.objects.filter(
        code="150125"
    ).exists() else None
    page = article("标题", audiences=["farmers"], regions=["150125"], topics=["农业技术"])
    # as the editor does: taxonomy is committed with the page, then the revision is published
    factories.publish(page)
    article("别的")
    assert search("农牧") == [page.title]
    assert search("武川") == [page.title]
    assert search("业技") == [page.title]


def test_title_ranks_above_summary_above_body():
    body_hit = article("冬季出行须知", body=[("paragraph", "<p>沙尘暴来临时关好门窗</p>")])
    summary_hit = article("冬季出行指南", summary="沙尘暴来临时关好门窗")
    title_hit = article("沙尘暴防护指南")
    assert search("沙尘暴") == [title_hit.title, summary_hit.title, body_hit.title]


def test_punctuation_only_and_blank_queries_find_nothing_without_error():
    article("科普")
    assert search("，。！") == []
    assert search("   ") == []


def test_phrase_or_operator_and_autocomplete():
    page = article("科普青城数字化平台上线")
    other = article("沙尘暴防护")
    assert search(Phrase("数字化平台")) == [page.title]
    assert search(Phrase("平台数字化")) == []
    assert sorted(search(PlainText("数字化 防护", operator="or"))) == sorted(
        [page.title, other.title]
    )
    backend = get_search_backend()
    assert titles(backend.autocomplete("科普青城数", candidates(SearchParams()))) == [page.title]


def test_draft_and_unpublished_pages_are_not_found():
    page = article("草原防火期禁止野外用火")
    article("草原防火草稿", live=False)
    assert search("防火") == [page.title]
    page.unpublish()
    assert search("防火") == []


def test_publishing_a_new_revision_updates_the_index():
    page = article("旧标题")
    page = ArticlePage.objects.get(pk=page.pk)
    page.title = "寒潮来临前的准备"
    factories.publish(page)
    assert search("寒潮") == ["寒潮来临前的准备"]
    assert search("旧标") == []


def test_deleting_removes_the_page_from_the_index():
    page = article("暴雪天气出行")
    Page.objects.get(pk=page.pk).delete()
    assert search("暴雪") == []


def test_moving_keeps_the_page_findable_under_its_new_parent():
    page = article("雷电天气避险")
    Page.objects.get(pk=page.pk).move(factories.emergency_section(), pos="last-child")
    page.refresh_from_db()
    assert page.url_path.startswith("/home/emergency/")
    assert search("雷电") == ["雷电天气避险"]


@pytest.mark.parametrize("model", [Page, ArticlePage])
def test_ranked_search_keeps_the_filters_of_any_queryset_in_results_and_count(model):
    article("草原防火知识")
    hidden = article("草原防火预案")
    Page.objects.filter(pk=hidden.pk).update(live=False)
    results = get_search_backend().search("防火", model.objects.live())
    assert titles(results) == ["草原防火知识"]
    assert results.count() == 1
    assert get_search_backend().search("防火", candidates(SearchParams())).count() == 1


def test_ranked_search_pages_through_all_matches_best_first():
    for n in range(12):
        article(f"第{n}期科普", summary="防火" if n % 2 else "摘要")
    article("防火专题")
    results = get_search_backend().search("防火", candidates(SearchParams()))
    assert results.count() == 7
    assert titles(results[:1]) == ["防火专题"]  # the title hit first
    assert len(titles(results[5:10])) == 2
    assert results[5:10].count() == 2


def test_allowed_ids_give_the_same_results_as_the_sql_filters():
    """search_ids takes the allowed pks from the content catalogue and filters the matches in
    memory; Wagtail's API over the same pages filters them in SQL. Both must agree."""
    factories.ArticlePageFactory(title="草原防火知识", audiences=["farmers"], regions=["150105"])
    factories.VideoPageFactory(title="防火演练视频", audiences=["youth"])
    factories.ComicPageFactory(title="森林防火漫画", audiences=["farmers", "youth"])
    factories.ArticlePageFactory(title="防火草稿", live=False)
    factories.ArticlePageFactory(
        title="过期防火通知", expire_at=timezone.now() - datetime.timedelta(days=1)
    )
    backend = get_search_backend()
    for filters in (
        {},
        {"audiences": ["farmers"]},
        {"kinds": ["video", "comic"]},
        {"regions": ["150100"]},
    ):
        params = SearchParams(**filters)
        for query in ("防火", "草原 防火", "漫画"):
            by_catalogue = search_ids(query, params, limit=100)
            by_sql = backend.search(query, candidates(params))
            assert titles_of(by_catalogue.ranked_ids) == titles(by_sql), (filters, query)
            assert by_catalogue.count == by_sql.count()
    # neither the draft nor the expired page
    assert set(search("防火")) == {"草原防火知识", "防火演练视频", "森林防火漫画"}


def test_pages_of_results_skip_matches_the_filters_leave_out():
    """Matches that are not allowed (drafts here) must not shorten a page of results, however
    the backend cuts its ranking short (PostgreSQL ranks the title tier first and the rest
    only as far as a page needs)."""
    article("防火专题")
    for n in range(6):
        article(f"第{n}期科普", summary="防火" * (n + 1))
    for n in range(4):
        article(f"草稿{n + 10}", summary="防火" * 9, live=False)
    hits = search_ids("防火", limit=100)
    everything = titles_of(hits.ranked_ids)
    assert len(everything) == hits.count == 7
    assert everything[0] == "防火专题"
    assert not any(title.startswith("草稿") for title in everything)
    # more mentions in the summary rank higher
    assert everything[1:] == [f"第{n}期科普" for n in reversed(range(6))]
    for offset, limit in ((0, 3), (2, 4), (1, 10), (6, 5), (7, 5)):
        hits = search_ids("防火", offset=offset, limit=limit)
        assert titles_of(hits.ranked_ids) == everything[offset : offset + limit]
        assert hits.count == 7
    # the same pages through Wagtail's API, sliced
    results = get_search_backend().search("防火", candidates(SearchParams()))
    assert titles(results[2:6]) == everything[2:6]
    assert titles(results[1:]) == everything[1:]


def test_a_title_holding_the_whole_query_ranks_first_on_every_path():
    """However often the other pages say it, the page whose title holds the query comes first,
    whether the allowed pks are given (search_ids) or the pages filtered in SQL."""
    article("草原防火", summary="摘要")
    for n in range(3):
        article(f"第{n}期", summary="草原防火。" * 20)
    hits = search_ids("草原防火", limit=10)
    assert titles_of(hits.ranked_ids)[0] == "草原防火"
    assert hits.count == 4
    for queryset in (candidates(SearchParams()), Page.objects.live()):
        results = get_search_backend().search("草原防火", queryset)
        assert titles(results)[0] == "草原防火"
        assert results.count() == 4


def test_search_ids_counts_facets_over_every_allowed_match_when_asked():
    factories.ArticlePageFactory(title="草原防火知识", audiences=["farmers"])
    factories.VideoPageFactory(title="防火演练视频", audiences=["youth"])
    factories.ComicPageFactory(title="森林漫画", audiences=["farmers"])
    facet_counts = get_catalogue().facet_counts
    hits = search_ids("防火", limit=1, facet_counts=facet_counts)
    assert len(hits.ranked_ids) == 1 and hits.count == 2
    assert hits.facets["type"] == {"article": 1, "video": 1}
    assert hits.facets["audience"] == {"farmers": 1, "youth": 1}
    assert search_ids("防火", limit=1).facets is None
    nothing = search_ids("，。", facet_counts=facet_counts)
    assert (nothing.ranked_ids, nothing.count) == ([], 0)
    assert nothing.facets["type"] == {}


def test_search_ids_autocompletes_the_last_word():
    page = article("Wagtail 科普平台")
    assert titles_of(search_ids("科普 wagt", autocomplete=True).ranked_ids) == [page.title]
    assert search_ids("科普 wagt").ranked_ids == []  # a whole word when not completing


def test_search_ids_takes_other_query_types_through_stock_ranking():
    kept = article("草原防火知识")
    article("防火草稿", live=False)
    hits = search_ids(MATCH_ALL, limit=100)
    assert hits.ranked_ids == [kept.pk]  # every allowed page, nothing else
    assert hits.count == 1
