"""Editors' synonyms apply at query time; the insights report shows popular and zero-result
queries per week."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError

from search import querylog
from search.models import QueryStat, SynonymGroup
from tests.content import factories

pytestmark = pytest.mark.django_db


def titles(client, q):
    return [item["title"] for item in client.get("/api/v1/search", {"q": q}).json()["results"]]


def test_a_synonym_finds_pages_that_use_the_other_word(client, site_tree):
    factories.ArticlePageFactory(title="一氧化碳中毒的急救", summary="开窗通风", body=[])
    factories.ArticlePageFactory(title="新型冠状病毒的预防", summary="勤洗手", body=[])
    assert titles(client, "煤气中毒") == []
    SynonymGroup.objects.create(words="煤气中毒, 一氧化碳中毒")
    SynonymGroup.objects.create(words="新冠 新型冠状病毒")
    assert titles(client, "煤气中毒") == ["一氧化碳中毒的急救"]
    assert titles(client, "新冠") == ["新型冠状病毒的预防"]
    SynonymGroup.objects.all().delete()
    assert titles(client, "新冠") == []


def test_a_synonym_group_needs_two_words():
    group = SynonymGroup(words="煤气中毒")
    with pytest.raises(ValidationError):
        group.full_clean()
    group = SynonymGroup(words="煤气中毒，一氧化碳中毒、 煤气中毒")
    group.full_clean()
    assert group.words == "煤气中毒, 一氧化碳中毒"


def test_synonyms_are_editable_in_the_admin(admin_client):
    response = admin_client.post(
        "/admin/search_synonyms/new/", {"words": "新冠, 新型冠状病毒"}, follow=True
    )
    assert response.status_code == 200
    assert SynonymGroup.objects.get().word_list == ["新冠", "新型冠状病毒"]


def test_the_report_shows_zero_result_and_popular_queries_of_a_week(admin_client):
    monday = datetime.date(2026, 5, 4)
    for _ in range(3):
        querylog.record_search("沙尘暴", 5, today=monday + datetime.timedelta(days=2))
    querylog.record_search("火星移民", 0, today=monday)
    querylog.record_search("上周的词", 0, today=monday - datetime.timedelta(days=1))
    response = admin_client.get("/admin/search-insights/", {"week": "2026-05-06"})
    assert response.status_code == 200
    popular, zero = response.context["popular"], response.context["zero"]
    assert [(row.query, row.searches) for row in popular] == [("沙尘暴", 3), ("火星移民", 1)]
    assert [row.query for row in zero] == ["火星移民"]
    assert "上周的词" not in response.content.decode()


def test_the_report_is_for_editors_only(client):
    response = client.get("/admin/search-insights/")
    assert response.status_code == 302


def test_the_report_exports_the_week_as_csv_with_formulas_kept_as_text(admin_client):
    monday = datetime.date(2026, 5, 4)
    querylog.record_search("沙尘暴", 5, today=monday)
    querylog.record_search("沙尘暴", 0, today=monday)
    QueryStat.objects.create(week=monday, query="=1+1", searches=1, zero_results=1)
    querylog.record_search("上周的词", 0, today=monday - datetime.timedelta(days=1))
    response = admin_client.get("/admin/search-insights/", {"week": "2026-05-06", "export": "csv"})
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="search-insights-2026-05-04.csv"'
    )
    text = response.getvalue().decode()
    assert list(csv.reader(io.StringIO(text))) == [
        ["周（周一）", "搜索词", "搜索次数", "无结果次数"],
        ["2026-05-04", "沙尘暴", "2", "1"],
        ["2026-05-04", "'=1+1", "1", "1"],
    ]
