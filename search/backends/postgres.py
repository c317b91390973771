"""PostgreSQL backend: analysed tsvectors, analyser tsqueries, title > summary > body weights,
and the pages whose title holds the whole query ranked first (``CJKPostgresSearchQueryCompiler``).

Written against modelsearch 1.3.2 (pinned): ``CJKPostgresIndex.write_entries`` is the writing
part of ``PostgresIndex.add_items`` (``common.CJKIndexMixin`` explains why it is not inherited);
it also writes the entries' words to the word index (``postings``) in the same transaction.
modelsearch maps the declared field boosts (title 2, summary 1.5, the rest none) to tsvector
weights B, C and D; the title column's rank also gets a fixed factor.
"""

from dataclasses import dataclass
from operator import itemgetter

from django.contrib.postgres.search import SearchQuery
from django.db import connections, transaction
from django.db.models import Case, F, FloatField, IntegerField, Q, Value, When
from django.db.models.sql.subqueries import InsertQuery
from modelsearch.backends.database.postgres import postgres as stock
from modelsearch.query import Phrase, PlainText
from modelsearch.utils import get_descendants_content_types_pks

from search.analysis import index_terms, tsquery

from . import postings
from .common import (
    CJKIndexMixin,
    RankedSearchBackendMixin,
    RankedSearchMixin,
    RankedSearchResultsMixin,
    fetch_sql,
    integer_key_type,
    terms_of,
)

TITLE_WEIGHT = postings.TITLE_WEIGHT


class CJKObjectIndexer(stock.ObjectIndexer):
    def prepare_value(self, value):
        # stock indexes an empty optional field as the word "None"
        return "" if value is None else super().prepare_value(value)

    def prepare_field(self, obj, field):
        # title, body, autocomplete, title_text and body_text each walk every field (and query
        # every RelatedFields relation) in stock; walk them once per object instead.
        if obj is not self.obj:  # nested RelatedFields objects: not cached
            return super().prepare_field(obj, field)
        cache = self.__dict__.setdefault("_prepared", {})
        if id(field) not in cache:  # search fields are long-lived class attributes
            cache[id(field)] = list(super().prepare_field(obj, field))
        return cache[id(field)]

    def as_vector(self, texts, for_autocomplete=False):
        # title_text/body_text (for the trigram Fuzzy path) stay raw; only vectors are analysed
        return super().as_vector(
            [(index_terms(text), weight) for text, weight in texts], for_autocomplete
        )


class CJKPostgresIndex(CJKIndexMixin, stock.PostgresIndex):
    indexer_class = CJKObjectIndexer

    def write_entries(self, content_type_pk, indexers):
        index_entry = stock.IndexEntry
        compiler = InsertQuery(index_entry).get_compiler(connection=self.write_connection)
        rows, params = [], []
        for indexer in indexers:
            params.extend((content_type_pk, indexer.id))
            vectors = []
            for name in ("title", "autocomplete", "body"):
                value = compiler.prepare_value(
                    index_entry._meta.get_field(name), getattr(indexer, name)
                )
                sql, value_params = value.as_sql(compiler, self.write_connection)
                vectors.append(sql)
                params.extend(value_params)
            params.extend((indexer.title_text, indexer.body_text))
            rows.append(f"(%s, %s, {vectors[0]}, {vectors[1]}, {vectors[2]}, 1.0, %s, %s)")
        table = index_entry._meta.db_table
        with (
            transaction.atomic(using=self.write_connection.alias),
            self.write_connection.cursor() as cursor,
        ):
            cursor.execute(
                f"INSERT INTO {table} (content_type_id, object_id, title, autocomplete, body, "  # noqa: S608 - table name from the model
                "title_norm, title_text, body_text) "
                f"(VALUES {', '.join(rows)}) "
                "ON CONFLICT (content_type_id, object_id) DO UPDATE SET "
                "title = EXCLUDED.title, title_norm = 1.0, autocomplete = EXCLUDED.autocomplete, "
                "body = EXCLUDED.body, title_text = EXCLUDED.title_text, "
                "body_text = EXCLUDED.body_text RETURNING id",
                params,
            )
            postings.write_postings(cursor, [entry_id for (entry_id,) in cursor.fetchall()])


class CJKPostgresSearchQueryCompiler(RankedSearchMixin, stock.PostgresSearchQueryCompiler):
    """Ranks in two tiers: the pages whose title holds the whole query, by score, then the
    others, by score (``TITLE_TIER`` is added to the first tier's scores, which stay below 11
    otherwise, so scores still fall in result order).

    The tiers let a search rank no more than the page it shows. One statement reads every
    match's pk (for the count and the facets) and ranks only the title matches; for a common
    word that is a fraction of the matches, and ranking (``ts_rank`` on title and body) is the
    costliest part per match. The other matches are ranked, in a second statement cut off with
    LIMIT, only when the title tier is shorter than the results asked for. A query of one word
    that is one index token reads both from the word index instead (``postings``), which holds
    the same title flag and score per entry. This applies to ``search_ids`` (given
    ``allowed_ids``) searching title and body; querysets through Wagtail's API are ranked in
    one pass as ``RankedSearchMixin`` does.
    """

    TITLE_TIER = 100.0
    TITLE_TIERS = True  # the autocomplete compiler ranks its one column in one pass
    _tiers = None  # _Tiers, once read

    def build_tsquery_content(self, query, config=None, invert=False):
        if isinstance(query, (PlainText, Phrase)):
            terms = terms_of(query, prefix_last=self.LAST_TERM_IS_PREFIX)
            return SearchQuery(
                tsquery(terms, getattr(query, "operator", "and")),
                search_type="raw",
                config=config,
                invert=invert,
            )
        return super().build_tsquery_content(query, config=config, invert=invert)

    def get_index_vectors(self, search_query):
        # Stock multiplies the title rank by title_norm, the average title length over this
        # title's; our token strings make that ratio noisy, and a summary hit could outrank a
        # title hit. A fixed factor keeps title > summary (weight C) > body (weight D).
        return [(F("index_entries__title"), TITLE_WEIGHT), (F("index_entries__body"), 1.0)]

    def get_fields_vectors(self, search_query):
        # Stock builds vectors from the raw model columns here, where the analyser cannot run;
        # use the analysed index columns instead (the title column for "title", body otherwise).
        vectors = []
        for field_lookup in self.search_fields:
            column = "title" if field_lookup == "title" else "body"
            vectors.append(self.get_index_vectors(search_query)[column == "body"])
        return vectors or self.get_index_vectors(search_query)

    def scored_entries(self, config):
        """The match and rank on the index table alone. Stock filters the queryset through the
        generic relation to the index and matches ``title || body`` of the joined rows, which
        the per-column GIN indexes cannot serve; here that expression has its own GIN index
        (migration kepu_search 0002), or a single column its stock one."""
        search_query = self.build_tsquery(self.query, config=config)
        vectors = [
            (F(vector.name.removeprefix("index_entries__")), boost)
            for vector, boost in self.get_search_vectors(search_query)
        ]
        columns = list(dict.fromkeys(vector.name for vector, _ in vectors))
        matched = F(columns[0])
        for column in columns[1:]:
            matched = matched._combine(F(column), "||", False)
        score = self._build_rank_expression(vectors, config)
        if self.TITLE_TIERS and columns == ["title", "body"]:
            # the same tiers as the statement of _tier_rows, for the querysets it does not serve
            score = score + Case(
                When(Q(title=search_query), then=Value(self.TITLE_TIER)),
                default=Value(0.0),
                output_field=FloatField(),
            )
        return (
            stock.IndexEntry.objects.filter(
                content_type_id__in=get_descendants_content_types_pks(self.queryset.model)
            )
            .annotate(_vector_=matched)
            .filter(_vector_=search_query)
            .annotate(score=score)
        ), "object_id"

    def matched(self, config):
        tiers = self._read_tiers(config)
        return super().matched(config) if tiers is None else tiers.allowed

    def ranked(self, config, stop=None):
        tiers = self._read_tiers(config)
        if tiers is None:
            return super().ranked(config, stop)
        if stop is not None and stop <= len(tiers.title):
            return tiers.title
        ranked_so_far = len(tiers.title) + len(tiers.rest or ())
        if tiers.rest is None or (
            not tiers.rest_complete and (stop is None or ranked_so_far < stop)
        ):
            self._rank_rest(tiers, stop)
        return tiers.title + tiers.rest

    def _read_tiers(self, config):
        """Every allowed match, and the title tier ranked; None where tiers do not apply."""
        if self._tiers is None:
            self._tiers = False
            known = self.allowed_ids
            if (
                known is None
                or not self.TITLE_TIERS
                or self.fields is not None
                or not isinstance(self.query, (PlainText, Phrase))
                or integer_key_type(self.queryset.model) is not IntegerField
            ):
                return None
            terms = terms_of(self.query, prefix_last=self.LAST_TERM_IS_PREFIX)
            text = tsquery(terms, getattr(self.query, "operator", "and"))
            term = (
                postings.posting_term(terms, config) if isinstance(self.query, PlainText) else None
            )
            rows = self._tier_rows(config, text, term)
            # set operations in C: a common word has thousands of rows, mostly outside the title
            allowed = list(known.intersection(map(itemgetter(1), rows)))
            title = [row for row in rows if row[0] is not None]
            title = [row for row in title if row[1] in known]
            title.sort(reverse=True)
            if len({pk for _, pk in title}) != len(title):  # a pk indexed twice
                seen = set()
                title = [row for row in title if not (row[1] in seen or seen.add(row[1]))]
            tiers = _Tiers(
                allowed=allowed,
                left_out=len(rows) - len(allowed),
                title=[(pk, score) for score, pk in title],
                known=known,
                config=config,
                text=text,
                term=term,
            )
            if len(tiers.title) == len(tiers.allowed):
                tiers.rest, tiers.rest_complete = [], True
            self._tiers = tiers
        return self._tiers or None

    def _sql_parts(self, config, text):
        """What the hand-written statements share, each as (SQL, parameters): the tsquery;
        the score as ``scored_entries`` computes it (without the tier); the FROM and WHERE
        of the match."""
        if config:
            sql, params = "to_tsquery(%s::regconfig, %s)", [config, text]
        else:
            sql, params = "to_tsquery(%s)", [text]
        query = (sql, params)
        score = (
            f"ts_rank(%s::float4[], title, {sql}) * %s + ts_rank(%s::float4[], body, {sql})",
            [self.sql_weights, *params, TITLE_WEIGHT, self.sql_weights, *params],
        )
        table = connections[self.queryset.db].ops.quote_name(stock.IndexEntry._meta.db_table)
        match = (
            f" FROM {table} WHERE content_type_id = ANY(%s) AND (title || body) @@ {sql}",
            [self._content_types(), *params],
        )
        return query, score, match

    def _content_types(self):
        return get_descendants_content_types_pks(self.queryset.model)

    def _tier_rows(self, config, text, term):
        """[(score if the title holds the whole query, else None; pk)] of every matching
        entry, from the word index when ``term`` is set. Written out by hand, as
        ``_rest_rows``: built through the ORM, the same statement (the score is
        ``scored_entries``' plus ``TITLE_TIER``) took longer to build and compile than
        PostgreSQL takes to run it."""
        if term is not None:
            sql, params = postings.tier_statement(term, self._content_types(), self.TITLE_TIER)
            return fetch_sql(self.queryset.db, sql, params)
        (query, query_params), (score, score_params), (match, match_params) = self._sql_parts(
            config, text
        )
        sql = f"SELECT CASE WHEN title @@ {query} THEN %s + {score} END, object_id::integer{match}"
        params = [*query_params, self.TITLE_TIER, *score_params, *match_params]
        return fetch_sql(self.queryset.db, sql, params)

    def _rest_rows(self, config, text, term, limit):
        """[(pk, score)] of the matching entries whose title does not hold the whole query,
        best first, at most ``limit`` (all if None); from the word index when ``term`` is set."""
        if term is not None:
            sql, params = postings.rest_statement(term, self._content_types(), limit)
            return fetch_sql(self.queryset.db, sql, params)
        (query, query_params), (score, score_params), (match, match_params) = self._sql_parts(
            config, text
        )
        sql = (
            f"SELECT object_id::integer AS pk, {score} AS score{match}"
            f" AND NOT (title @@ {query}) ORDER BY score DESC, pk DESC LIMIT %s"
        )
        params = [*score_params, *match_params, *query_params, limit]
        return fetch_sql(self.queryset.db, sql, params)

    def _rank_rest(self, tiers, stop):
        """Rank the matches outside the title tier, as many as ``stop`` needs (all if None):
        among the first n + left_out of them at least n are allowed."""
        rest_total = len(tiers.allowed) - len(tiers.title)
        complete = stop is None or stop - len(tiers.title) >= rest_total
        limit = None if complete else stop - len(tiers.title) + tiers.left_out
        titled = {pk for pk, _ in tiers.title}
        rest, seen = [], set()
        for pk, score in self._rest_rows(tiers.config, tiers.text, tiers.term, limit):
            if pk in tiers.known and pk not in titled and pk not in seen:
                seen.add(pk)
                rest.append((pk, score))
        tiers.rest, tiers.rest_complete = rest, complete


@dataclass
class _Tiers:
    allowed: list  # every allowed matching pk
    left_out: int  # matching entries not allowed, or a second entry of a pk
    title: list  # [(pk, score)] of the title tier, best first
    known: frozenset
    config: str | None
    text: str  # the tsquery
    term: str | None  # the posting term, when the word index answers this query
    rest: list | None = None  # [(pk, score)] of the others ranked so far, best first
    rest_complete: bool = False


class CJKPostgresSearchResults(RankedSearchResultsMixin, stock.PostgresSearchResults):
    pass


class CJKPostgresAutocompleteQueryCompiler(
    CJKPostgresSearchQueryCompiler, stock.PostgresAutocompleteQueryCompiler
):
    """Our query building with autocomplete's vector, prefix last term and field type."""

    TITLE_TIERS = False

    def get_fields_vectors(self, search_query):
        return self.get_index_vectors(search_query)


class CJKPostgresSearchBackend(RankedSearchBackendMixin, stock.PostgresSearchBackend):
    index_class = CJKPostgresIndex
    query_compiler_class = CJKPostgresSearchQueryCompiler
    autocomplete_query_compiler_class = CJKPostgresAutocompleteQueryCompiler
    results_class = CJKPostgresSearchResults
