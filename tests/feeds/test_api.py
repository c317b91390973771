"""The read-only content API under /api/v1/."""

import pytest

from tests.content.factories import (
    ArticlePageFactory,
    ComicPageFactory,
    EmergencyGuidePageFactory,
    ImageFactory,
    VideoPageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(site_tree):
    return {
        "article": ArticlePageFactory(
            title="识破诈骗",
            audiences=["elderly"],
            topics=["防范电信诈骗"],
            regions=["150105"],
            cover_image=ImageFactory(),
        ),
        "video": VideoPageFactory(title="防沙视频", audiences=["youth"]),
        "comic": ComicPageFactory(title="节能漫画", topics=["节约能源"]),
        "guide": EmergencyGuidePageFactory(title="沙尘暴应对", regions=["150102"]),
    }


def test_list_is_newest_first_with_every_field(client, corpus):
    response = client.get("/api/v1/content")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [item["title"] for item in body["results"]] == [
        "沙尘暴应对",
        "节能漫画",
        "防沙视频",
        "识破诈骗",
    ]
    article = body["results"][3]
    assert article["type"] == "article"
    assert article["url"] == "http://testserver" + corpus["article"].url
    assert article["audiences"] == [{"slug": "elderly", "name": "老年人"}]
    assert article["topics"] == [{"slug": "防范电信诈骗", "name": "防范电信诈骗"}]
    assert article["regions"] == [{"code": "150105", "name": "赛罕区"}]
    assert article["published"].endswith("+08:00")
    assert set(article["image"]["renditions"]) == {"thumbnail", "medium", "large"}
    assert article["image"]["renditions"]["medium"]["url"].startswith("http://testserver/media/")
    assert article["review"]["reviewer"] == "王研究员"
    video = body["results"][2]
    assert video["video"]["mime_type"] == "video/mp4"
    assert video["video"]["duration_in_seconds"] == 5
    assert video["video"]["captions_url"]
    guide = body["results"][0]
    assert guide["emergency"]["hazard"] == "sandstorm"
    assert guide["emergency"]["actions"] == ["关好门窗", "减少外出", "外出戴口罩"]
    comic = body["results"][1]
    assert [panel["text"] for panel in comic["comic"]["panels"]] == ["第一格对白", "第二格对白"]


def test_filters_and_pagination(client, corpus):
    def titles(query):
        return [item["title"] for item in client.get(f"/api/v1/content?{query}").json()["results"]]

    assert titles("audience=elderly") == ["识破诈骗"]
    assert titles("type=comic&type=video") == ["节能漫画", "防沙视频"]
    assert titles("topic=节约能源") == ["节能漫画"]
    assert titles("region=150100") == ["沙尘暴应对", "识破诈骗"]
    first = client.get("/api/v1/content?limit=3").json()
    assert first["count"] == 4 and len(first["results"]) == 3
    assert first["next"] == "http://testserver/api/v1/content?limit=3&page=2"
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    assert [item["title"] for item in second["results"]] == ["识破诈骗"]
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/content?limit=3"


def test_detail_has_the_full_content(client, corpus):
    page = corpus["article"]
    response = client.get(f"/api/v1/content/{page.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == page.pk
    assert "市民随时学科学" in body["content_html"]
    assert 'src="http://testserver/media/images/' in body["content_html"]


def test_detail_of_drafts_unreviewed_and_missing_is_404(client, corpus):
    draft = ArticlePageFactory(live=False)
    unreviewed = ArticlePageFactory(reviewed_by="")
    for pk in (draft.pk, unreviewed.pk, 999_999, corpus["article"].get_parent().pk):
        response = client.get(f"/api/v1/content/{pk}")
        assert response.status_code == 404
        assert response.json()["error"] == "not found"


def test_api_conditional_get(client, corpus, django_assert_num_queries):
    for url in ("/api/v1/content?audience=elderly", f"/api/v1/content/{corpus['video'].pk}"):
        first = client.get(url)
        with django_assert_num_queries(0):
            again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert again["Cache-Control"] == "public, max-age=60"
    etag = client.get("/api/v1/content")["ETag"]
    corpus["video"].unpublish()
    assert client.get("/api/v1/content", HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/content?audience=aliens",
        "/api/v1/content?topic=没有",
        "/api/v1/content?region=1",
        "/api/v1/content?type=podcast",
        "/api/v1/content?limit=abc",
        "/api/v1/content?limit=1000",
        "/api/v1/content?page=0",
        "/api/v1/content?page=2.5",
        "/api/v1/content?audience=" + "y" * 5000,
        "/api/v1/content?audience=%00",
        "/api/v1/content/abc",
        "/api/v1/content/0",
        "/api/v1/content/99999999999999999999999",
    ],
)
def test_bad_input_is_a_400_with_a_json_message(client, site_tree, url):
    response = client.get(url)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid request"
    assert body["detail"]


def test_content_api_is_in_the_openapi_document(client, site_tree):
    document = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/content" in document["paths"]
    assert "/api/v1/content/{content_id}" in document["paths"]
    assert set(document["paths"]["/api/v1/content"]) == {"get"}
