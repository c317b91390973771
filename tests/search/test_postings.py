"""The word index that answers one-word searches on PostgreSQL (``search.backends.postings``):
which queries it answers, that it answers them exactly as the tsvector statement would, and
that it follows the search index through every write."""

import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from content.models import ArticlePage
from search.analysis import QueryTerm, query_terms
from search.backends import postings
from search.models import Posting
from search.service import SearchParams, allowed_ids
from tests.content import factories


def test_only_queries_of_one_single_lexeme_word_take_the_word_index():
    def term(query, config="simple"):
        return postings.posting_term(query_terms(query), config)

    assert term("沙尘") == "沙尘"
    assert term("5G") == "5g"
    assert term("PM2.5") == "pm25"
    assert term("沙尘暴") is None  # a phrase of bigrams, or the whole word
    assert term("草原 防火") is None  # two words: ts_rank weighs their proximity
    assert term("沙") is None  # a prefix
    assert term("café") is None  # the parser's lexeme may differ from the token
    assert term("1e10km") is None  # the parser reads 1e10 and km
    assert term("沙尘", config="english") is None


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the word index is filled on PostgreSQL only"
)


def article(title, **fields):
    fields.setdefault("summary", "摘要")
    fields.setdefault("body", [])
    return factories.ArticlePageFactory(title=title, **fields)


def ranked(query, start, stop, *, word_index):
    """(pk, score to 9 places) of results[start:stop], and the count, on a fresh result set,
    checking which path answered."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        backend = get_search_backend()
        # the compiler as search_ids sets it up, read with scores and an open end
        compiler = backend.query_compiler_class(Page.objects.all(), query)
        compiler.allowed_ids = allowed_ids(SearchParams())
        config = compiler.get_config(backend)
        page = compiler.ranked(config, stop)[start:stop]
        count = len(compiler.matched(config))
    assert any(postings.TABLE in sql for sql in statements) == word_index
    return [(pk, round(score, 9)) for pk, score in page], count


@on_postgresql
@pytest.mark.django_db
def test_a_one_word_search_ranks_the_same_by_the_word_index_as_by_the_vectors(monkeypatch):
    article("草原防火专题")
    article("防火与防汛", summary="防火" * 3)
    for n in range(14):
        article(f"第{n}期科普", summary="防火。" * (n % 5 + 1), body=[("paragraph", "<p>草原</p>")])
    factories.VideoPageFactory(title="演练视频", transcript="今天讲森林防火")
    factories.ComicPageFactory(title="漫画", panels=["巴特尔说防火最要紧"])
    article("防火草稿", live=False)
    article("5G基站防火", body=[("paragraph", "<p>5G 覆盖全市</p>")])
    for query in ("防火", "5G", "草原"):
        for start, stop in ((0, 10), (10, 20), (3, 8), (0, None)):
            by_words = ranked(query, start, stop, word_index=True)
            with monkeypatch.context() as patch:
                patch.setattr(postings, "posting_term", lambda terms, config: None)
                by_vectors = ranked(query, start, stop, word_index=False)
            assert by_words == by_vectors, (query, start, stop)
    top, count = ranked("防火", 0, 3, word_index=True)
    assert count == 19  # not the draft
    assert set(
        Page.objects.filter(pk__in=[pk for pk, _ in top]).values_list("title", flat=True)
    ) == {
        "草原防火专题",
        "防火与防汛",
        "5G基站防火",
    }


@on_postgresql
@pytest.mark.django_db
def test_one_word_searches_read_the_word_index():
    article("草原防火专题")
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        hits = get_search_backend().search_ids("防火", allowed_ids(SearchParams()))
        assert [Page.objects.get(pk=pk).title for pk in hits.ranked_ids] == ["草原防火专题"]
    assert any(postings.TABLE in sql for sql in statements)
    assert not any("@@" in sql for sql in statements)


def words_of(page):
    article_type = ContentType.objects.get_for_model(ArticlePage)
    rows = Posting.objects.filter(content_type_id=article_type.pk, object_id=page.pk)
    return {row.term: row for row in rows}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_word_index_follows_publishing_editing_and_deleting():
    page = article("寒潮来临前的准备", summary="防寒保暖")
    words = words_of(page)
    assert words["寒潮"].in_title and not words["防寒"].in_title
    assert words["寒潮"].score > words["防寒"].score

    page = ArticlePage.objects.get(pk=page.pk)
    page.title = "冬季取暖须知"
    factories.publish(page)
    words = words_of(page)
    assert "寒潮" not in words and words["取暖"].in_title

    Page.objects.get(pk=page.pk).delete()
    assert not Posting.objects.filter(object_id=page.pk).exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_deleting_index_entries_in_bulk_deletes_their_words():
    kept = article("暴雪天气出行")
    gone = article("雷电天气避险")
    IndexEntry.objects.filter(object_id=str(gone.pk))._raw_delete(connection.alias)
    assert Posting.objects.filter(object_id=kept.pk).exists()
    assert not Posting.objects.filter(object_id=gone.pk).exists()
    IndexEntry.objects.all().delete()
    assert not Posting.objects.exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_migration_0003_fills_the_word_index_from_the_entries_already_there():
    article("草原防火专题", summary="防火" * 2)
    factories.VideoPageFactory(title="演练视频", transcript="今天讲森林防火")
    fields = ("entry_id", "term", "content_type_id", "object_id", "in_title", "score")
    written = set(Posting.objects.values_list(*fields))
    assert written
    call_command("migrate", "kepu_search", "0002", verbosity=0)
    call_command("migrate", "kepu_search", verbosity=0)
    assert set(Posting.objects.values_list(*fields)) == written
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT confdeltype FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [postings.TABLE],
        )
        assert cursor.fetchall() == [("c",)]  # entries' words go with them
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = 'term'",
            [postings.TABLE],
        )
        assert cursor.fetchall() == [("C",)]
    with transaction.atomic(), connection.cursor() as cursor:
        # the covering index can answer alone (on a table this small the planner would
        # rather read the table)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(
            "EXPLAIN SELECT object_id, in_title, score FROM kepu_search_posting "
            "WHERE term = '防火' AND content_type_id = 1"
        )
        assert "Index Only Scan using kepu_search_posting_term" in " ".join(
            row[0] for row in cursor.fetchall()
        )


@on_postgresql
@pytest.mark.django_db
def test_every_token_the_word_index_takes_is_one_lexeme_to_the_parser():
    """A token the parser would split (1e10km -> 1e10, km) is stored under other terms:
    the word index must leave it to the full-text path."""
    rng = random.Random(4)
    latin = ["".join(rng.choices("0123456789aexz", k=rng.randint(1, 6))) for _ in range(3000)]
    han = ["".join(chr(rng.randint(0x4E00, 0x9FEF)) for _ in range(2)) for _ in range(1000)]
    han += ["".join(chr(rng.randint(0x3400, 0x4DBF)) for _ in range(2)) for _ in range(300)]
    tokens = [*latin, *han, "1e10km", "3e8m", "5g", "pm25", "2024"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t, tsvector_to_array(to_tsvector('simple', t)) FROM unnest(%s::text[]) t",
            [tokens],
        )
        lexemes = dict(cursor.fetchall())
    taken = [
        token for token in tokens if postings.posting_term([QueryTerm(token, (token,))], "simple")
    ]
    assert len(taken) > len(tokens) * 0.8
    assert {token: lexemes[token] for token in taken if lexemes[token] != [token]} == {}
    assert "1e10km" not in taken and lexemes["1e10km"] == ["1e10", "km"]
