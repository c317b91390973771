"""The search backend contract (``SearchHits``, ``search_ids``) and what the SQLite and
PostgreSQL backends share: turning query objects into analyser terms, the ranked search over the
index table (``RankedSearchMixin``), and writing index entries with our indexer
(``CJKIndexMixin``).

The search service asks a backend one explicit question::

    backend.search_ids(query, allowed_ids, offset=0, limit=10, facet_counts=None)

the query (a string or modelsearch query object), the pks a result may be (the catalogue's
``allowed_ids``), the slice of the ranking to return → ``SearchHits``: that slice's pks best
first, the number of allowed matches, and the facet counts over every allowed match (when given
``facet_counts``, a function of the matched pks). The database backends answer it from the index
table alone; the Elasticsearch/OpenSearch ones (``search.backends.cluster``) in one request.
Wagtail's own ``search()`` / ``autocomplete()`` keep working on any queryset for everyone else
(the admin, the benches).
"""

from dataclasses import dataclass
from operator import itemgetter

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    FloatField,
    IntegerField,
    OuterRef,
    Value,
    When,
)
from django.db.models.functions import Cast
from modelsearch.query import And, Not, Or, Phrase, PlainText
from modelsearch.utils import get_content_type_pk

from search.analysis import phrase_term, query_terms


@dataclass(frozen=True)
class SearchHits:
    """What ``search_ids`` answers: the requested slice of the ranking, best first; how many
    allowed pages match; the facet counts over all of them (None unless asked for)."""

    ranked_ids: list
    count: int
    facets: dict | None = None


def terms_of(query, *, prefix_last=False):
    """The analyser's terms for a PlainText or Phrase query ([] when nothing is searchable)."""
    if isinstance(query, Phrase):
        term = phrase_term(query.query_string)
        return [term] if term else []
    return query_terms(query.query_string, prefix_last=prefix_last)


def prune(query, *, prefix_last=False):
    """The query without the parts that have nothing searchable in them, or None if nothing is
    left. A query of punctuation only (``，。``) would otherwise become an empty MATCH / tsquery,
    which is an SQL error on SQLite and a notice on PostgreSQL."""
    if isinstance(query, (PlainText, Phrase)):
        return query if terms_of(query, prefix_last=prefix_last) else None
    if isinstance(query, (And, Or)):
        parts = [prune(part, prefix_last=prefix_last) for part in query.subqueries]
        parts = [part for part in parts if part is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else type(query)(parts)
    if isinstance(query, Not):
        inner = prune(query.subquery, prefix_last=prefix_last)
        return Not(inner) if inner is not None else None
    return query


def is_plain_tree(query):
    """True for And/Or trees whose leaves are all PlainText or Phrase (synonym expansion)."""
    if isinstance(query, (PlainText, Phrase)):
        return True
    return isinstance(query, (And, Or)) and all(is_plain_tree(q) for q in query.subqueries)


class SearchIdsMixin:
    """The contract, on a modelsearch backend class: ``search_ids`` as the service calls it.
    Backends implement ``match_ids``."""

    def search_ids(
        self,
        query,
        allowed_ids,
        *,
        offset=0,
        limit=10,
        facet_counts=None,
        autocomplete=False,
        model=None,
    ):
        """SearchHits for ``query`` (a string or modelsearch query object) among the pages
        whose pks are ``allowed_ids``: pks ``offset`` to ``offset + limit`` of the ranking, the
        count of matches, and ``facet_counts(matched pks)`` when given. ``autocomplete``
        completes the last word, as Wagtail's ``autocomplete()``; ``model`` is Page unless
        given."""
        compiler_class = (
            self.autocomplete_query_compiler_class if autocomplete else self.query_compiler_class
        )
        allowed_ids = frozenset(allowed_ids)
        page, matched = ([], []) if query == "" or not allowed_ids else (None, None)
        if page is None:
            from wagtail.models import Page

            page, matched = self.match_ids(
                compiler_class, model or Page, query, allowed_ids, offset, offset + limit
            )
        return SearchHits(
            ranked_ids=list(page),
            count=len(matched),
            facets=facet_counts(matched) if facet_counts is not None else None,
        )

    def match_ids(self, compiler_class, model, query, allowed_ids, start, stop):
        """(the allowed matching pks ranked from ``start`` to ``stop``, every allowed matching
        pk); ``allowed_ids`` is a non-empty frozenset."""
        raise NotImplementedError


class RankedSearchBackendMixin(SearchIdsMixin):
    """``search_ids`` for the database backends: the compiler ranks the matches of the index
    table and keeps those in ``allowed_ids``, in memory."""

    def match_ids(self, compiler_class, model, query, allowed_ids, start, stop):
        compiler = compiler_class(model.objects.all(), query)
        compiler.check()
        compiler.allowed_ids = allowed_ids
        pruned = prune(compiler.query, prefix_last=compiler.LAST_TERM_IS_PREFIX)
        if pruned is None:  # nothing searchable in the query
            return [], []
        compiler.query = pruned
        if not compiler.uses_ranking():
            # Wagtail's other query types (MATCH_ALL, Boost, Fuzzy...): stock ranks them in
            # SQL, over the whole model; the allowed pks are kept from its ordered pks.
            ordered = self.results_class(self, compiler).get_queryset().values_list("pk", flat=True)
            matched = [pk for pk in ordered if pk in allowed_ids]
            return matched[start:stop], matched
        config = compiler.get_config(self)
        ranked = compiler.ranked(config, stop)[start:stop]
        return [pk for pk, _ in ranked], compiler.matched(config)


class RankedSearchMixin:
    """Relevance search as: one ranked match on the index table, the allowed pks (or the
    queryset's filters) applied to the matched ids, then the page of results fetched by pk.

    Stock puts the MATCH (SQLite) or ``@@`` (PostgreSQL) inside the query over the filtered
    queryset and ranks in SQL per candidate row, so the cost grows with the number of live
    pages; on PostgreSQL it also matches the concatenation ``title || body``, which no GIN index
    covers. Here the match reads only the index (FTS5 / the GIN index of migration kepu_search
    0002). Given ``allowed_ids`` (``search_ids``: the pks the content catalogue allows), the
    statement does not touch the page table at all: the filter is a set lookup per match in
    Python. Through Wagtail's API the queryset is applied in SQL, as a correlated EXISTS per
    matched entry. The ranking (``ranked``, every allowed pk with its
    score, best first) is computed once per search and shared by the sliced result sets, the
    count and the facets (they share this compiler).

    Here every match is ranked in that one statement: ranking only the first page in SQL
    (ORDER BY score LIMIT n) would still rank every match, and the count and facets need every
    matched id, so it would take a second statement that matches again. The PostgreSQL
    compiler splits the ranking in tiers so that it can rank less (see there).

    Subclasses implement ``scored_entries(config)``: (a queryset of the index entries of the
    queryset's model and its subclasses that match, annotated with ``score``; the lookup of
    their object id), and set ``HIGHER_IS_BETTER``.
    """

    HIGHER_IS_BETTER = True
    allowed_ids = None  # a frozenset of pks when set by search_ids
    _ranked = None

    def search(self, config, start, stop, score_field=None, **kwargs):
        pruned = prune(self.query, prefix_last=self.LAST_TERM_IS_PREFIX)
        if pruned is None:
            return self.queryset.none()
        self.query = pruned
        if not self.uses_ranking():
            return super().search(config, start, stop, score_field, **kwargs)
        ranked = self.ranked(config, stop)[start:stop]
        if not ranked:
            return self.queryset.none()
        queryset = self.queryset.filter(pk__in=[pk for pk, _ in ranked])
        order = Case(
            *[When(pk=pk, then=Value(position)) for position, (pk, _) in enumerate(ranked)],
            output_field=IntegerField(),
        )
        if score_field is not None:
            score = Case(
                *[When(pk=pk, then=Value(value)) for pk, value in ranked],
                output_field=FloatField(),
            )
            queryset = queryset.annotate(**{score_field: score})
        return queryset.order_by(order)

    def uses_ranking(self):
        return self.order_by_relevance and is_plain_tree(self.query)

    def allowed_pks(self, pks):
        """The subset of ``pks`` that a result may be: in ``allowed_ids``, or in the queryset."""
        if self.allowed_ids is not None:
            return self.allowed_ids.intersection(pks)
        allowed = set()
        for begin in range(0, len(pks), ID_CHUNK):
            allowed.update(
                self.queryset.filter(pk__in=pks[begin : begin + ID_CHUNK])
                .order_by()
                .values_list("pk", flat=True)
            )
        return allowed

    def matched(self, config):
        """Every pk the queryset allows among the matches (for the count and the facets)."""
        return [pk for pk, _ in self.ranked(config)]

    def ranked(self, config, stop=None):
        """[(pk, score)] of the matches the queryset allows, best first: at least the first
        ``stop`` of them (all here; a subclass may rank no more than asked)."""
        if self._ranked is None:
            entries, object_id = self.scored_entries(config)
            key_type = integer_key_type(self.queryset.model)
            if key_type is None:
                self._ranked = self._ranked_by_any_key(entries, object_id)
                return self._ranked
            entries = entries.annotate(_pk=Cast(object_id, output_field=key_type()))
            known = self.allowed_ids
            if known is not None:
                rows = fetch_rows(entries.values_list("score", "_pk"))
                rows = [row for row in rows if row[1] in known]
            else:
                # One statement: the queryset as a correlated EXISTS on the primary key, a
                # lookup per matched entry (an IN list of the matched ids would travel both
                # ways and, on PostgreSQL, take long to plan).
                rows = fetch_rows(
                    entries.filter(Exists(self.queryset.filter(pk=OuterRef("_pk")))).values_list(
                        "score", "_pk"
                    )
                )
            # Best score first, then newest pk (stock's tie-break): (score, pk) tuples sort
            # natively. A pk indexed twice (a multi-table model is indexed under its own
            # content type and its parent's) counts once, at its best.
            if self.HIGHER_IS_BETTER:
                rows.sort(reverse=True)
            else:
                rows.sort(key=_lowest_score_newest_pk)
            seen = set()
            self._ranked = [(pk, score) for score, pk in rows if not (pk in seen or seen.add(pk))]
        return self._ranked

    def _ranked_by_any_key(self, entries, object_id):
        """``ranked`` for models whose pk is not an integer (the index stores it as text)."""
        to_pk = self.queryset.model._meta.pk.to_python
        matches = [(to_pk(pk), score) for pk, score in entries.values_list(object_id, "score")]
        allowed = self.allowed_pks(list(dict.fromkeys(pk for pk, _ in matches)))
        matches.sort(key=itemgetter(1), reverse=self.HIGHER_IS_BETTER)
        ranked, seen = [], set()
        for pk, score in matches:
            if pk in allowed and pk not in seen:
                seen.add(pk)
                ranked.append((pk, score))
        return ranked


def fetch_rows(queryset):
    """The rows of a values_list queryset as plain tuples, straight from the cursor: for
    thousands of (pk, score) rows, Django's per-row converters cost more than the query."""
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return []
    return fetch_sql(queryset.db, sql, params)


def fetch_sql(using, sql, params):
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


INTEGER_KEY_TYPES = {
    "AutoField": IntegerField,
    "IntegerField": IntegerField,
    "BigAutoField": BigIntegerField,
    "BigIntegerField": BigIntegerField,
}

# ids per "pk IN (...)" statement: well under SQLite's and PostgreSQL's parameter limits
ID_CHUNK = 5000


def _lowest_score_newest_pk(row):
    score, pk = row
    return (score, -pk)


def integer_key_type(model):
    """The integer field type of the model's primary key (through a multi-table parent link,
    as for a specific page type), or None."""
    field = model._meta.pk
    while field.is_relation:
        field = field.target_field
    return INTEGER_KEY_TYPES.get(field.get_internal_type())


class RankedSearchResultsMixin:
    def _ranks(self):
        """True when the compiler ranks this query itself; False when stock handles it (not
        ordered by relevance, or not plain words); None when nothing in it is searchable."""
        compiler = self.query_compiler
        pruned = prune(compiler.query, prefix_last=compiler.LAST_TERM_IS_PREFIX)
        if pruned is None:
            return None
        compiler.query = pruned
        return compiler.uses_ranking()

    def _do_search(self):
        ranks = self._ranks()
        if ranks is None:
            return []
        if not ranks:
            return super()._do_search()
        compiler = self.query_compiler
        ranked = compiler.ranked(compiler.get_config(self.backend), self.stop)
        ranked = ranked[self.start : self.stop]
        if not ranked:
            return []
        # The page of results by pk, put in ranked order here: an ORDER BY CASE with a WHEN
        # per result costs more to build than the query takes to run.
        found = compiler.queryset.in_bulk([pk for pk, _ in ranked])
        results = []
        for pk, score in ranked:
            obj = found.get(pk)
            if obj is not None:
                if self._score_field is not None:
                    setattr(obj, self._score_field, score)
                results.append(obj)
        return results

    def _do_count(self):
        ranks = self._ranks()
        if ranks is None:
            return 0
        if not ranks:
            return super()._do_count()
        compiler = self.query_compiler
        return len(compiler.matched(compiler.get_config(self.backend))[self.start : self.stop])


class CJKIndexMixin:
    """``add_items`` of modelsearch's SQLite and PostgreSQL indexes with the indexer class
    swappable (stock names its module's ``ObjectIndexer``): the vendor writes the entries
    (``write_entries``), the rest is stock's, written against modelsearch 1.3.2 (pinned)."""

    indexer_class = None

    def add_items(self, model, objs):
        if not model.get_search_fields():
            return
        indexers = [self.indexer_class(obj, self.backend) for obj in objs]
        if not indexers:
            return
        self.write_entries(get_content_type_pk(model), indexers)
        self._refresh_title_norms()

    def write_entries(self, content_type_pk, indexers):
        """Insert or update the index entries of these indexers' objects."""
        raise NotImplementedError
