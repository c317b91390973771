"""GET /api/v1/search: the contract in docs/contracts.md, filters, facets, 400s for bad input."""

import pytest
from taggit.models import Tag

from content.models import Audience
from search.models import QueryStat
from tests.content import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/search"


@pytest.fixture
def corpus(site_tree):
    Audience.objects.get_or_create(slug="elderly", defaults={"name": "老年人"})
    Audience.objects.get_or_create(slug="youth", defaults={"name": "青少年"})
    article = factories.ArticlePageFactory(
        title="冬季取暖谨防煤气中毒",
        summary="燃气热水器要装在室外",
        body=[],
        external_id="kp-1",
        audiences=["elderly"],
        topics=["健康生活"],
    )
    video = factories.VideoPageFactory(
        title="沙尘天气出行",
        summary="出门戴口罩",
        transcript="大家好，今天讲冬季取暖的安全知识",
        audiences=["youth"],
    )
    for page in (article, video):
        factories.publish(page)
    return {"article": article, "video": video}


def test_results_have_the_contract_fields_and_facets(client, corpus):
    response = client.get(URL, {"q": "取暖"})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert {tuple(sorted(item)) for item in data["results"]} == {
        ("external_id", "id", "summary", "title", "type", "url")
    }
    assert data["results"][0]["title"] == "冬季取暖谨防煤气中毒"  # title hit above transcript hit
    assert data["results"][0]["external_id"] == "kp-1"
    assert data["results"][0]["url"].startswith("http")
    assert data["facets"]["type"] == {"article": 1, "video": 1}
    assert data["facets"]["audience"] == {"elderly": 1, "youth": 1}
    assert data["facets"]["topic"] == {Tag.objects.get(name="健康生活").slug: 1}


def test_filters_narrow_results_and_facets(client, corpus):
    data = client.get(URL, {"q": "取暖", "type": "video"}).json()
    assert [item["type"] for item in data["results"]] == ["video"]
    data = client.get(URL, {"q": "取暖", "audience": "elderly,youth"}).json()
    assert data["count"] == 2
    data = client.get(URL, {"q": "取暖", "audience": "elderly", "type": "video"}).json()
    assert data["count"] == 0


def test_page_size_and_paging(client, corpus):
    first = client.get(URL, {"q": "取暖", "page_size": 1}).json()
    second = client.get(URL, {"q": "取暖", "page_size": 1, "page": 2}).json()
    assert first["count"] == second["count"] == 2
    assert first["results"][0]["id"] != second["results"][0]["id"]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "字" * 201},
        {"type": "podcast"},
        {"audience": "aliens"},
        {"topic": "no-such-topic"},
        {"region": "999999"},
        {"page": "abc"},
        {"page": "0"},
        {"page": "-3"},
        {"page": "99"},
        {"page_size": "51"},
        {"page_size": "0"},
        {"q": "a\x00b"},
        {"page": "1e309"},
    ],
)
def test_bad_input_is_a_400_with_a_message(client, corpus, params):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "q",
    ["", "   ", "，。！", '"', "'", "*", "NOT", "AND OR", "a:b", "(", "\\", "%", "😀", "ﾃｽﾄ", "^"]
    + ["NEAR(a b)", "-", "title:x", "雷", "PM2.5", "COVID-19"],
)
def test_odd_queries_never_fail(client, corpus, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert isinstance(response.json()["count"], int)


def test_the_endpoint_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json()
    parameters = {p["name"] for p in document["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "type", "audience", "topic", "region", "page", "page_size"} <= parameters


def test_searches_are_counted_per_week_without_personal_data(client, corpus):
    client.get(URL, {"q": " 取暖 "}, REMOTE_ADDR="10.1.2.3")
    client.get(URL, {"q": "取暖"})
    client.get(URL, {"q": "火星移民"})
    rows = {row.query: row for row in QueryStat.objects.all()}
    assert rows["取暖"].searches == 2 and rows["取暖"].zero_results == 0
    assert rows["火星移民"].zero_results == 1
    stored = [str(value) for row in QueryStat.objects.values() for value in row.values()]
    assert not any("10.1.2.3" in value for value in stored)
