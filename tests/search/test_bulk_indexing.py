"""The importer's bulk mode: pages saved inside the block are indexed once, at its end."""

import pytest
from wagtail.search.backends import get_search_backend

from search.indexing import bulk_indexing
from search.service import SearchParams, candidates
from tests.content import factories

pytestmark = pytest.mark.django_db


def found(word):
    return [page.title for page in get_search_backend().search(word, candidates(SearchParams()))]


def test_pages_saved_in_bulk_are_searchable_after_the_block(site_tree):
    with bulk_indexing():
        pages = [
            factories.ComicPageFactory(title=f"漫画{n}", panels=[f"巴特尔大叔说防火要紧{n}"])
            for n in range(3)
        ]
        assert found("防火") == []  # held back until the block ends
    assert sorted(found("防火")) == sorted(page.title for page in pages)
    # outside the block, saving indexes at once again
    page = factories.ArticlePageFactory(title="雷电避险", body=[])
    assert found("雷电") == [page.title]
