"""The three feeds as a feed reader sees them."""

import json

import feedparser
import pytest

from tests.content.factories import (
    ArticlePageFactory,
    EmergencyGuidePageFactory,
    ImageFactory,
    VideoPageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(site_tree):
    article = ArticlePageFactory(
        title="老年人如何识破电信诈骗",
        audiences=["elderly"],
        topics=["防范电信诈骗"],
        regions=["150105"],
        cover_image=ImageFactory(),
    )
    video = VideoPageFactory(title="沙尘暴来了怎么办", audiences=["youth"], topics=["应急避险"])
    guide = EmergencyGuidePageFactory(title="沙尘暴应对", audiences=["public"])
    return {"article": article, "video": video, "guide": guide}


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_readers_get_every_item_with_links_categories_and_enclosures(client, corpus, kind):
    response, parsed = parse(client, f"/feeds/{kind}/")
    assert parsed.version == ("rss20" if kind == "rss" else "atom10")
    assert parsed.feed.language.lower() == "zh-cn"
    titles = [entry.title for entry in parsed.entries]
    # Newest first.
    assert titles == ["沙尘暴应对", "沙尘暴来了怎么办", "老年人如何识破电信诈骗"]
    by_title = {entry.title: entry for entry in parsed.entries}
    article = by_title["老年人如何识破电信诈骗"]
    assert article.link == "http://testserver" + corpus["article"].url
    assert {tag.term for tag in article.tags} == {"老年人", "防范电信诈骗"}
    assert article.summary.startswith("老年人如何识破电信诈骗的摘要")
    content = article.content[0].value
    assert "市民随时学科学" in content
    assert 'src="http://testserver/media/images/' in content
    assert article.media_thumbnail[0]["url"].startswith("http://testserver/media/images/")
    assert article.published.endswith("+0800") or article.published.endswith("+08:00")
    video = by_title["沙尘暴来了怎么办"]
    [enclosure] = video.enclosures
    assert enclosure.href.startswith("http://testserver/media/")
    assert enclosure.type == "video/mp4"
    assert int(enclosure.length) == corpus["video"].video.file.size
    guide = by_title["沙尘暴应对"]
    assert "沙尘暴" in guide.summary and "关好门窗" in guide.summary
    assert "<li>外出戴口罩</li>" in guide.content[0].value


def test_rss_dates_are_in_beijing_time(client, corpus):
    response = client.get("/feeds/rss/")
    assert b"+0800</pubDate>" in response.content


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_filters_narrow_the_feed(client, corpus, kind):
    def titles(query):
        response = client.get(f"/feeds/{kind}/?{query}")
        assert response.status_code == 200
        if kind == "json":
            return [item["title"] for item in json.loads(response.content)["items"]]
        return [entry.title for entry in feedparser.parse(response.content).entries]

    assert titles("audience=elderly") == ["老年人如何识破电信诈骗"]
    assert titles("topic=应急避险") == ["沙尘暴来了怎么办"]
    assert titles("type=emergency") == ["沙尘暴应对"]
    assert titles("region=150100") == ["老年人如何识破电信诈骗"]  # the city includes 赛罕区
    assert titles("audience=elderly&audience=youth") == [
        "沙尘暴来了怎么办",
        "老年人如何识破电信诈骗",
    ]
    assert titles("audience=elderly&type=video") == []
    assert titles("limit=1") == ["沙尘暴应对"]


def test_drafts_and_unreviewed_pages_stay_out(client, corpus):
    ArticlePageFactory(title="草稿", live=False)
    ArticlePageFactory(title="未审核", reviewed_by="")
    response = client.get("/feeds/json/")
    titles = [item["title"] for item in json.loads(response.content)["items"]]
    assert "草稿" not in titles and "未审核" not in titles


def test_json_feed_follows_the_1_1_spec(client, corpus):
    response = client.get("/feeds/json/?audience=elderly&audience=youth&limit=1")
    assert response["Content-Type"] == "application/feed+json"
    raw = response.content.decode("utf-8")
    assert "\\u" not in raw
    feed = json.loads(raw)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "科普青城 · 青少年 · 老年人"
    assert feed["language"] == "zh-CN"
    assert feed["home_page_url"].startswith("http://testserver/kepu/")
    assert feed["feed_url"] == (
        "http://testserver/feeds/json/?audience=elderly&audience=youth&limit=1"
    )
    assert feed["next_url"] == (
        "http://testserver/feeds/json/?audience=elderly&audience=youth&limit=1&page=2"
    )
    assert isinstance(feed["authors"], list) and feed["authors"][0]["name"]
    [item] = feed["items"]
    assert item["id"] == str(corpus["video"].pk)
    assert item["url"] == "http://testserver" + corpus["video"].url
    assert item["title"] == "沙尘暴来了怎么办"
    assert "今天讲沙尘暴" in item["content_html"]
    assert item["date_published"].endswith("+08:00")
    assert item["date_modified"].endswith("+08:00")
    assert item["tags"] == ["青少年", "应急避险"]
    [attachment] = item["attachments"]
    assert attachment["mime_type"] == "video/mp4"
    assert attachment["url"].startswith("http://testserver/media/")
    assert attachment["size_in_bytes"] == corpus["video"].video.file.size
    assert attachment["duration_in_seconds"] == 5
    assert item["_kepu"]["type"] == "video"
    assert item["_kepu"]["audiences"] == ["youth"]
    assert item["_kepu"]["topics"] == ["应急避险"]
    assert item["_kepu"]["hazard"] is None
    # The second page follows on and ends the chain.
    second = json.loads(client.get(feed["next_url"]).content)
    assert [entry["title"] for entry in second["items"]] == ["老年人如何识破电信诈骗"]
    assert "next_url" not in second


def test_json_feed_is_plain_utf8(client, corpus):
    raw = client.get("/feeds/json/").content
    assert "老年人如何识破电信诈骗".encode() in raw
    assert b"\\u" not in raw


def test_json_feed_carries_hazard_and_image(client, corpus):
    feed = json.loads(client.get("/feeds/json/").content)
    by_title = {item["title"]: item for item in feed["items"]}
    guide = by_title["沙尘暴应对"]
    assert guide["_kepu"]["hazard"] == "sandstorm"
    assert guide["_kepu"]["actions"] == ["关好门窗", "减少外出", "外出戴口罩"]
    article = by_title["老年人如何识破电信诈骗"]
    assert article["image"].startswith("http://testserver/media/images/")
    assert article["_kepu"]["regions"] == ["150105"]


@pytest.mark.parametrize(
    "query",
    [
        "audience=aliens",
        "topic=不存在的主题",
        "region=999999",
        "type=podcast",
        "limit=abc",
        "limit=0",
        "limit=101",
        "page=-1",
        "page=1.5",
        "page=99999999999999999999",
        "colour=red",
        "audience=" + "x" * 3000,
        "audience=%00",
    ],
)
@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_bad_input_is_a_short_400(client, site_tree, kind, query):
    response = client.get(f"/feeds/{kind}/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert 0 < len(response.content.decode()) < 300


def test_feeds_are_read_only(client, corpus):
    assert client.post("/feeds/rss/").status_code == 405
    assert client.head("/feeds/rss/").status_code == 200


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_a_control_character_already_stored_does_not_break_the_feed(client, corpus, kind):
    # Stored around the forms (before they refused it, or by a script): the feed drops it.
    page = corpus["article"]
    type(page).objects.filter(pk=page.pk).update(
        title="铃声\u0007标题", summary="摘要\u001b[31m红色", search_description="\u0008"
    )
    response = client.get(f"/feeds/{kind}/")

    assert response.status_code == 200, response.content
    if kind == "json":
        titles = [item["title"] for item in json.loads(response.content)["items"]]
    else:
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        titles = [entry.title for entry in parsed.entries]
        assert "摘要[31m红色" in response.content.decode()
    assert ("铃声标题" if kind != "json" else "铃声\u0007标题") in titles
