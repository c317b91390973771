"""The one content filter: strict and lenient reading, the canonical form, and the database and
in-memory selections, which must agree with each other."""

import itertools

import pytest
from django.http import QueryDict

from content.filters import MAX_VALUES, ContentFilter, FilterError
from content.models import CONTENT_KIND_LABELS, CONTENT_KINDS, CONTENT_PAGE_MODELS
from content.queries import live_content
from search.catalogue import get_catalogue
from tests.content.factories import (
    ArticlePageFactory,
    ComicPageFactory,
    EmergencyGuidePageFactory,
    VideoPageFactory,
)

pytestmark = pytest.mark.django_db


def query(text):
    return QueryDict(text)


def test_content_kinds_live_next_to_the_models():
    assert list(CONTENT_KINDS) == ["article", "video", "comic", "emergency"]
    assert [CONTENT_KINDS[kind] for kind in CONTENT_KINDS] == list(CONTENT_PAGE_MODELS)
    assert str(CONTENT_KIND_LABELS["emergency"]) == "应急科普"


def test_values_repeat_or_split_on_ascii_and_full_width_commas():
    parsed = ContentFilter.parse(query("type=video，article&type=video&audience= elderly , youth"))
    assert parsed.kinds == ("video", "article")
    assert parsed.audiences == ("elderly", "youth")
    assert ContentFilter.parse({"topic": "应急避险，科学精神", "region": ["150100"]}) == (
        ContentFilter(topics=("应急避险", "科学精神"), regions=("150100",))
    )


@pytest.mark.parametrize(
    ("text", "problem", "key", "value"),
    [
        ("type=podcast", "unknown", "type", "podcast"),
        ("audience=aliens", "unknown", "audience", "aliens"),
        ("audience=elderly&topic=不存在", "unknown", "topic", "不存在"),
        ("region=999999", "unknown", "region", "999999"),
        ("topic=" + "x" * 101, "invalid", "topic", "x" * 101),
        ("audience=a%00b", "invalid", "audience", "a\x00b"),
        ("region=" + ",".join(str(n) for n in range(MAX_VALUES + 1)), "too_many", "region", None),
    ],
)
def test_strict_names_the_first_problem(site_tree, text, problem, key, value):
    with pytest.raises(FilterError) as error:
        ContentFilter.strict(query(text))
    assert (error.value.problem, error.value.key, error.value.value) == (problem, key, value)


def test_parse_checks_shapes_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        parsed = ContentFilter.parse(query("audience=aliens&topic=x&region=1"))
        with pytest.raises(FilterError):
            ContentFilter.parse(query("type=podcast"))
    with pytest.raises(FilterError) as error:
        parsed.check_known()
    assert (error.value.key, error.value.value) == ("audience", "aliens")


def test_lenient_drops_what_strict_refuses(site_tree):
    text = "type=podcast,video&audience=aliens&audience=youth&topic=x%00&region=999999，150100"
    with pytest.raises(FilterError):
        ContentFilter.strict(query(text))
    lenient = ContentFilter.lenient(query(text))
    assert lenient == ContentFilter(kinds=("video",), audiences=("youth",), regions=("150100",))
    # What lenient keeps, strict accepts unchanged.
    assert ContentFilter.strict(query(lenient.query_string())) == lenient.canonical()
    assert ContentFilter.lenient(query("type=&audience=&topic=&region=")) == ContentFilter()


def test_the_canonical_query_string_does_not_depend_on_order_or_spelling():
    forms = [
        "region=150100&type=video&type=article&audience=youth",
        "type=article,video&audience=youth&region=150100",
        "audience=youth&type=video，article&region=150100&type=article",
    ]
    strings = {ContentFilter.parse(query(text)).query_string() for text in forms}
    assert strings == {"type=article&type=video&audience=youth&region=150100"}
    assert ContentFilter().query_string() == ""
    assert not ContentFilter().active and ContentFilter(topics=("x",)).active


@pytest.fixture
def pages(site_tree):
    return [
        ArticlePageFactory(audiences=["elderly"], topics=["防范电信诈骗"], regions=["150105"]),
        VideoPageFactory(audiences=["youth"], regions=["150100"], topics=["科学精神"]),
        ComicPageFactory(audiences=["elderly", "public"], topics=["应急避险"]),
        EmergencyGuidePageFactory(audiences=["farmers"], topics=["应急避险"], regions=["150125"]),
        ArticlePageFactory(live=False, audiences=["elderly"]),
    ]


def labels(page):
    """A page as an in-memory item, as a change record or a catalogue would hold it."""
    return {
        "kind": page.content_kind,
        "audiences": list(page.audiences.values_list("slug", flat=True)),
        "topics": list(page.tags.values_list("slug", flat=True)),
        "regions": list(page.regions.values_list("code", flat=True)),
    }


CHOICES = {
    "type": ["", "article", "video,comic"],
    "audience": ["", "elderly", "youth,farmers"],
    "topic": ["", "应急避险"],
    "region": ["", "150100", "150105"],
}


def test_apply_in_memory_and_catalogue_select_the_same_pages(pages):
    live = [page for page in pages if page.live]
    items = {page.pk: labels(page) for page in live}
    catalogue = get_catalogue()
    selected_somewhere = set()
    for values in itertools.product(*CHOICES.values()):
        content_filter = ContentFilter.strict(dict(zip(CHOICES, values, strict=True)))
        from_database = set(content_filter.apply(live_content()).values_list("pk", flat=True))
        matches = content_filter.matcher()
        in_memory = {pk for pk, item in items.items() if matches(item)}
        assert in_memory == from_database, values
        allowed = catalogue.allowed_ids(
            kinds=content_filter.kinds,
            audiences=content_filter.audiences,
            topics=content_filter.topics,
            regions=content_filter.regions,
        )
        assert allowed == from_database, values
        selected_somewhere |= from_database
    assert selected_somewhere == {page.pk for page in live}


def test_a_city_filter_matches_its_districts_in_memory(pages):
    guide = pages[3]
    matches = ContentFilter(regions=("150100",)).matcher()
    assert matches(labels(guide))  # 150125 lies within 150100
    assert not ContentFilter(regions=("150105",)).matcher()(labels(guide))
    objects = type("Change", (), labels(guide))
    assert ContentFilter(kinds=("emergency",), topics=("应急避险",)).matcher()(objects)


def test_the_matcher_reads_the_region_tree_once(pages, django_assert_num_queries):
    with django_assert_num_queries(2):
        matches = ContentFilter(regions=("150100",)).matcher()
    items = [labels(page) for page in pages]
    with django_assert_num_queries(0):
        assert [matches(item) for item in items] == [True, True, False, True, False]


def test_each_public_surface_keeps_its_own_wording(client, site_tree):
    """One parser underneath; the messages are each surface's established contract."""
    feed = client.get("/feeds/rss/?type=podcast")
    assert feed.status_code == 400
    assert feed.content.decode() == (
        "未知的 type：podcast（可选 article, video, comic, emergency）。"
    )
    assert client.get("/feeds/rss/?audience=aliens").content.decode() == "未知的 audience：aliens。"
    api = client.get("/api/v1/content?topic=" + ",".join(str(n) for n in range(21)))
    assert api.json()["detail"] == ["topic 最多 20 个取值。"]
    assert client.get("/api/v1/content?topic=a%01").json()["detail"] == ["topic 的取值无效。"]
    search = client.get("/api/v1/search?audience=aliens")
    assert search.status_code == 400
    assert search.json()["detail"] == ["未知的 audience：aliens"]
    many = client.get("/api/v1/search?region=" + ",".join(str(n) for n in range(21)))
    assert many.json()["detail"] == ["region 最多 20 个值"]
    # A listing never refuses: unknown values widen it.
    ArticlePageFactory()
    assert client.get("/kepu/?audience=aliens&type=podcast").status_code == 200


def test_full_width_commas_are_read_by_feeds_and_listings_as_by_search(client, site_tree):
    ArticlePageFactory(title="老人防诈骗", audiences=["elderly"])
    VideoPageFactory(title="青少年科学视频", audiences=["youth"])
    ComicPageFactory(title="农民漫画", audiences=["farmers"])
    wanted = {"老人防诈骗", "青少年科学视频"}
    api = client.get("/api/v1/content?audience=elderly，youth").json()
    assert {item["title"] for item in api["results"]} == wanted
    search = client.get("/api/v1/search?audience=elderly，youth").json()
    assert {item["title"] for item in search["results"]} == wanted
    listing = client.get("/kepu/?audience=elderly，youth").content.decode()
    assert "老人防诈骗" in listing and "青少年科学视频" in listing and "农民漫画" not in listing
