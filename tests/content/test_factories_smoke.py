import pytest

from content.queries import filter_content, live_content
from search.catalogue import get_catalogue
from tests.content.factories import (
    ArticlePageFactory,
    ComicPageFactory,
    EmergencyGuidePageFactory,
    VideoPageFactory,
)

pytestmark = pytest.mark.django_db


def test_cross_type_filters_and_facets():
    article = ArticlePageFactory(audiences=["elderly"], topics=["防范电信诈骗"], regions=["150105"])
    video = VideoPageFactory(audiences=["youth"], regions=["150100"])
    comic = ComicPageFactory(audiences=["elderly", "public"])
    guide = EmergencyGuidePageFactory(audiences=["farmers"], topics=["应急避险"])
    everything = live_content()
    assert set(everything.values_list("pk", flat=True)) == {
        article.pk,
        video.pk,
        comic.pk,
        guide.pk,
    }
    elderly = filter_content(everything, audiences=["elderly"])
    assert set(elderly.values_list("pk", flat=True)) == {article.pk, comic.pk}
    # A city-level filter includes the districts below it.
    city = filter_content(everything, regions=["150100"])
    assert set(city.values_list("pk", flat=True)) == {article.pk, video.pk}
    assert list(filter_content(everything, kinds=["emergency"])) == [guide.page_ptr]
    facets = get_catalogue().facet_counts(everything.values_list("pk", flat=True))
    assert facets["type"] == {"article": 1, "video": 1, "comic": 1, "emergency": 1}
    assert facets["audience"] == {"elderly": 2, "youth": 1, "public": 1, "farmers": 1}
    assert facets["topic"] == {"防范电信诈骗": 1, "应急避险": 1}
