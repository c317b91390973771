"""SQLite FTS5 backend: analysed text in Wagtail's FTS table, title > summary > body ranking.

Written against modelsearch 1.3.2 (pinned): ``CJKSQLiteIndex.write_entries`` is the writing
part of ``SQLiteIndex.add_items`` (``common.CJKIndexMixin`` explains why it is not inherited).
"""

from functools import cached_property

from django.db.models import FloatField, Func
from modelsearch.backends.database.sqlite import sqlite as stock
from modelsearch.backends.database.sqlite.query import (
    Lexeme,
    MatchExpression,
    SearchQueryExpression,
)
from modelsearch.index import AutocompleteField, SearchField
from modelsearch.query import And, Or, Phrase, PlainText
from modelsearch.utils import get_descendants_content_types_pks

from search.analysis import fts5_query, index_terms

from .common import (
    CJKIndexMixin,
    RankedSearchBackendMixin,
    RankedSearchMixin,
    RankedSearchResultsMixin,
    is_plain_tree,
    terms_of,
)

# bm25() column weights in the FTS table's column order (autocomplete, body, title): a title
# hit outweighs any number of body hits on a page of ordinary length.
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0


class CJKObjectIndexer(stock.ObjectIndexer):
    def prepare_value(self, value):
        # stock indexes an empty optional field as the word "None"
        return "" if value is None else super().prepare_value(value)

    @cached_property
    def _prepared(self):
        # One pass over the fields: stock walks them (and queries every RelatedFields
        # relation) once each for title, body and autocomplete.
        return [
            pair for field in self.search_fields for pair in self.prepare_field(self.obj, field)
        ]

    @cached_property
    def title(self):
        return index_terms(
            " ".join(
                value
                for field, value in self._prepared
                if isinstance(field, SearchField) and field.field_name == "title"
            )
        )

    @cached_property
    def body(self):
        # Summary and body share FTS5's body column, which cannot be weighted inside; a boosted
        # field (summary, boost 1.5) is repeated round(boost) times so it counts for more.
        parts = []
        for field, value in self._prepared:
            if isinstance(field, SearchField) and field.field_name != "title":
                terms = index_terms(value)
                if terms:
                    parts += [terms] * max(1, round(field.boost or 1))
        return " ".join(parts)

    @cached_property
    def autocomplete(self):
        return index_terms(
            " ".join(
                value for field, value in self._prepared if isinstance(field, AutocompleteField)
            )
        )


class CJKSQLiteIndex(CJKIndexMixin, stock.SQLiteIndex):
    indexer_class = CJKObjectIndexer

    def write_entries(self, content_type_pk, indexers):
        ids_and_data = {
            indexer.id: (indexer.title, indexer.autocomplete, indexer.body) for indexer in indexers
        }
        entries_for_ct = self.entries.filter(content_type_id=content_type_pk)
        indexed_ids = frozenset(
            entries_for_ct.filter(object_id__in=ids_and_data.keys()).values_list(
                "object_id", flat=True
            )
        )
        for indexed_id in indexed_ids:
            title, autocomplete, body = ids_and_data[indexed_id]
            entries_for_ct.filter(object_id=indexed_id).update(
                title=title, autocomplete=autocomplete, body=body
            )
        self.entries.bulk_create(
            [
                stock.IndexEntry(
                    content_type_id=content_type_pk,
                    object_id=object_id,
                    title=title,
                    autocomplete=autocomplete,
                    body=body,
                )
                for object_id, (title, autocomplete, body) in ids_and_data.items()
                if object_id not in indexed_ids
            ]
        )


class RawMatch(Lexeme):
    """An FTS5 expression from ``fts5_query`` passed as it is (Lexeme would quote it whole)."""

    def as_sql(self, compiler, connection):
        return "%s", [self.value]


class WeightedBM25(Func):
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        table = stock.SQLiteFTSIndexEntry._meta.db_table
        return f"bm25({table}, 0.0, {BODY_WEIGHT}, {TITLE_WEIGHT})", []


class CJKSQLiteSearchQueryCompiler(RankedSearchMixin, stock.SQLiteSearchQueryCompiler):
    HIGHER_IS_BETTER = False  # bm25: lower is better

    def build_search_query_content(self, query, config=None):
        if isinstance(query, (PlainText, Phrase)):
            terms = terms_of(query, prefix_last=self.LAST_TERM_IS_PREFIX)
            expression = fts5_query(terms, getattr(query, "operator", "and"))
            return SearchQueryExpression(RawMatch(f"({expression})"))
        if isinstance(query, (And, Or)) and is_plain_tree(query):
            # Stock joins sub-queries without parentheses and FTS5 binds AND tighter than OR,
            # so "a OR b AND c" would mean the wrong thing: build the text with parentheses.
            connector = " AND " if isinstance(query, And) else " OR "
            parts = [self.build_search_query_content(part, config) for part in query.subqueries]
            return SearchQueryExpression(
                RawMatch("(" + connector.join(part.value.value for part in parts) + ")")
            )
        return super().build_search_query_content(query, config=config)

    def _build_rank_expression(self, vectors, config):
        return WeightedBM25()

    def scored_entries(self, config):
        """One FTS5 MATCH with bm25 over the index, not per candidate row: stock ranks with a
        correlated subquery that re-runs the MATCH for every row, seconds for a common word."""
        match = MatchExpression(
            self.fields or self.FTS_TABLE_FIELDS, self.build_search_query(self.query, config)
        )
        return (
            stock.SQLiteFTSIndexEntry.objects.filter(match)
            .filter(
                index_entry__content_type__in=get_descendants_content_types_pks(self.queryset.model)
            )
            .annotate(score=WeightedBM25())
        ), "index_entry__object_id"


class CJKSQLiteSearchResults(RankedSearchResultsMixin, stock.SQLiteSearchResults):
    pass


class CJKSQLiteAutocompleteQueryCompiler(
    CJKSQLiteSearchQueryCompiler, stock.SQLiteAutocompleteQueryCompiler
):
    """Our query building with autocomplete's column, prefix last term and field type."""


class CJKSQLiteSearchBackend(RankedSearchBackendMixin, stock.SQLiteSearchBackend):
    index_class = CJKSQLiteIndex
    query_compiler_class = CJKSQLiteSearchQueryCompiler
    autocomplete_query_compiler_class = CJKSQLiteAutocompleteQueryCompiler
    results_class = CJKSQLiteSearchResults
