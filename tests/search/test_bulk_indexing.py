"""The importer's bulk mode: pages saved inside the block are indexed once, at its end."""

import io

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


def test_imported_pages_are_indexed_when_the_import_ends(site_tree, tmp_path, monkeypatch):
    """content signals the import; search listens and indexes once at the end."""
    import json

    from django.core.management import call_command

    from search import indexing

    batches = []
    index_objects = indexing.index_objects
    monkeypatch.setattr(
        indexing,
        "index_objects",
        lambda pending: (batches.append(dict(pending)), index_objects(pending)),
    )
    lines = [
        {
            "external_id": f"kb-{n}",
            "source": "测试知识库",
            "type": "article",
            "title": f"酸奶的科学{n}",
            "summary": "发酵乳制品",
            "body": f"<p>呼和浩特的酸奶靠乳酸菌发酵{n}。</p>",
            "audiences": ["public"],
        }
        for n in range(2)
    ]
    source = tmp_path / "kb.jsonl"
    source.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    call_command("import_content", str(source), stdout=io.StringIO(), stderr=io.StringIO())
    assert len(batches) == 1, "one indexing pass at the end of the import"
    assert sorted(found("乳酸菌")) == ["酸奶的科学0", "酸奶的科学1"]
