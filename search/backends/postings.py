"""A word index over Wagtail's search index table, for one-word searches on PostgreSQL.

The tsvector GIN index finds the entries holding a word, but PostgreSQL must then visit each
entry's row (GIN has no index-only scans), and rank it with ``ts_rank`` on the title and body
vectors. For a common word that is thousands of wide rows per search. ``kepu_search_posting``
(``search.models.Posting``) keeps, per entry and per word of ``title || body``: the entry's
content type and object id, whether the title holds the word, and the entry's score for that
word, computed when the entry is written with the same expression the search ranks by. A
one-word search then reads one range of a covering B-tree index and no table row.

Only queries of one word whose analyser term is one index token take this path (two-character
Chinese words, Latin words and numbers: the commonest, and most costly, searches); a phrase of
bigrams needs word positions, and several words need ``ts_rank``'s proximity, so those stay on
the tsvector path. For one word, ``ts_rank`` has neither, so the stored score is the score.
"""

import re

from modelsearch.backends.database.postgres.weights import get_sql_weights
from wagtail.search.models import IndexEntry

from search.analysis import QueryTerm

TABLE = "kepu_search_posting"
TITLE_WEIGHT = 10.0  # the title rank's factor (title > summary > body)

# Tokens that PostgreSQL's parser, with the "simple" configuration, keeps as one lexeme equal
# to the token: runs of Han characters assigned since Unicode 13 (a code point the database's
# C library does not know as a letter would split the run), and lower-case ASCII letters and
# digits, except those that start like a number in scientific notation (1e10km is read as
# 1e10 and km).
_SINGLE_LEXEME_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fef]+|(?![0-9]+e[0-9])[0-9a-z]+")
# object ids that fit the bigint column (other primary keys are not integers at all)
_INTEGER_ID = "^[0-9]{1,18}$"


def posting_term(terms: list[QueryTerm], config: str | None) -> str | None:
    """The posting term that answers a query of these analyser terms, or None when the query
    needs the tsvector path (several words, a phrase, a prefix, another configuration)."""
    if config != "simple" or len(terms) != 1:
        return None
    term = terms[0]
    if term.prefix or term.whole_word or len(term.tokens) != 1:
        return None
    token = term.tokens[0]
    return token if _SINGLE_LEXEME_RE.fullmatch(token) else None


def write_postings(cursor, entry_ids=None):
    """Replace the postings of these index entries (of every entry if None) from their
    vectors. Run it in the transaction that wrote the entries."""
    where, params = ("", []) if entry_ids is None else (" AND e.id = ANY(%s)", [list(entry_ids)])
    if entry_ids is not None:
        cursor.execute(f"DELETE FROM {TABLE} WHERE entry_id = ANY(%s)", [list(entry_ids)])  # noqa: S608 - constant table name
    weights = get_sql_weights()
    # A lexeme becomes a one-lexeme tsquery in tsquery's quoted syntax ('' and \ escaped), so
    # that the parser cannot split it again.
    cursor.execute(
        f"INSERT INTO {TABLE} (entry_id, term, content_type_id, object_id, in_title, score) "  # noqa: S608 - constant table names
        "SELECT e.id, w.term, e.content_type_id, e.object_id::bigint, e.title @@ w.query, "
        "ts_rank(%s::float4[], e.title, w.query) * %s + ts_rank(%s::float4[], e.body, w.query) "
        f"FROM {IndexEntry._meta.db_table} e CROSS JOIN LATERAL ("
        "SELECT t AS term, ('''' || replace(replace(t, '\\', '\\\\'), '''', '''''') || '''')"
        "::tsquery AS query FROM unnest(tsvector_to_array(e.title || e.body)) AS t) w "
        f"WHERE e.object_id ~ %s{where}",
        [weights, TITLE_WEIGHT, weights, _INTEGER_ID, *params],
    )


def tier_statement(term, content_type_ids, title_tier):
    """SQL and parameters for [(score + title_tier if the title holds the word, else None;
    object id)] of every entry holding ``term``."""
    return (
        f"SELECT CASE WHEN in_title THEN %s + score END, object_id FROM {TABLE} "  # noqa: S608 - constant table name
        "WHERE term = %s AND content_type_id = ANY(%s)",
        [title_tier, term, list(content_type_ids)],
    )


def rest_statement(term, content_type_ids, limit):
    """SQL and parameters for [(object id, score)] of the entries holding ``term`` outside
    the title, best first, at most ``limit`` (all if None)."""
    return (
        f"SELECT object_id, score FROM {TABLE} "  # noqa: S608 - constant table name
        "WHERE term = %s AND content_type_id = ANY(%s) AND NOT in_title "
        "ORDER BY score DESC, object_id DESC LIMIT %s",
        [term, list(content_type_ids), limit],
    )
