"""The content catalogue answers "which pages may a search show" and "how do they count per
facet" from memory; both must agree with the database queries they stand in for."""

import datetime
import itertools

import pytest
from django.utils import timezone
from wagtail.models import PageViewRestriction, Site

from content.queries import filter_content, live_content
from search import catalogue as catalogue_module
from search.catalogue import get_catalogue
from tests.content.factories import (
    ArticlePageFactory,
    ComicPageFactory,
    EmergencyGuidePageFactory,
    VideoPageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages():
    return {
        "article": ArticlePageFactory(
            audiences=["elderly"], topics=["防范电信诈骗"], regions=["150105"]
        ),
        "video": VideoPageFactory(audiences=["youth"], regions=["150100"]),
        "comic": ComicPageFactory(audiences=["elderly", "public"], topics=["应急避险"]),
        "guide": EmergencyGuidePageFactory(audiences=["farmers"], topics=["应急避险"]),
        "draft": ArticlePageFactory(live=False, audiences=["elderly"]),
    }


FILTER_CHOICES = {
    "kinds": [[], ["article"], ["video", "comic"]],
    "audiences": [[], ["elderly"], ["youth", "farmers"]],
    "topics": [[], ["应急避险"]],
    "regions": [[], ["150100"], ["150105"]],
}


def test_allowed_ids_match_the_database_filters_for_every_combination(pages):
    catalogue = get_catalogue()
    names = list(FILTER_CHOICES)
    for values in itertools.product(*FILTER_CHOICES.values()):
        filters = dict(zip(names, values, strict=True))
        expected = set(filter_content(live_content(), **filters).values_list("pk", flat=True))
        assert catalogue.allowed_ids(**filters) == expected, filters
    assert pages["draft"].pk not in catalogue.allowed_ids()


def test_facet_counts_count_labels_of_the_given_pages_only(pages):
    ids = [pages["article"].pk, pages["comic"].pk, pages["draft"].pk, pages["article"].pk]
    facets = get_catalogue().facet_counts(ids)
    assert facets == {
        "type": {"article": 1, "comic": 1},
        "audience": {"elderly": 2, "public": 1},
        "topic": {"防范电信诈骗": 1, "应急避险": 1},
        # counted at the region the page is tagged with, not its parents
        "region": {"150105": 1},
    }


def test_a_content_change_builds_a_new_catalogue(pages):
    before = get_catalogue()
    assert get_catalogue() is before  # no change, no rebuild
    newcomer = ArticlePageFactory(audiences=["elderly"])
    after = get_catalogue()
    assert after is not before
    assert newcomer.pk in after.allowed_ids(audiences=["elderly"])
    pages["video"].unpublish()
    assert pages["video"].pk not in get_catalogue().allowed_ids()


def test_expiry_is_checked_against_the_clock_without_a_change_signal(pages):
    soon = timezone.now() + datetime.timedelta(minutes=5)
    pages["comic"].expire_at = soon
    pages["comic"].save()
    catalogue = get_catalogue()
    assert pages["comic"].pk in catalogue.allowed_ids(audiences=["elderly"])
    later = soon + datetime.timedelta(seconds=1)
    assert pages["comic"].pk not in catalogue.allowed_ids(audiences=["elderly"], now=later)
    assert pages["article"].pk in catalogue.allowed_ids(audiences=["elderly"], now=later)


def test_restricted_pages_and_other_sites_are_left_out(pages):
    PageViewRestriction.objects.create(
        page=pages["guide"], restriction_type=PageViewRestriction.LOGIN
    )
    site = Site.objects.get(is_default_site=True)
    allowed = get_catalogue().allowed_ids(site=site)
    assert pages["guide"].pk not in allowed
    assert allowed == set(live_content(site).values_list("pk", flat=True))
    # a site rooted at the articles' section: the pages below it, not the section itself
    elsewhere = Site(hostname="elsewhere.example", root_page=pages["article"].get_parent())
    expected = set(live_content(elsewhere).values_list("pk", flat=True))
    assert pages["article"].pk in expected
    assert pages["guide"].pk not in expected  # emergency guides live in another section
    assert get_catalogue().allowed_ids(site=elsewhere) == expected


def test_remembered_filters_are_bounded(pages, monkeypatch):
    monkeypatch.setattr(catalogue_module, "MAX_REMEMBERED_FILTERS", 3)
    catalogue = get_catalogue()
    for kinds in (["article"], ["video"], ["comic"], ["emergency"]):
        catalogue.allowed_ids(kinds=kinds)
    assert len(catalogue._allowed) <= 3
