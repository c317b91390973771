"""Wagtail's database search backend with Chinese analysis (``search.analysis``).

``WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.backends", "SEARCH_CONFIG": "simple"}}``

modelsearch looks up ``SearchBackend`` in this module and calls it with the settings. Like the
stock ``wagtail.search.backends.database`` it picks the implementation by database vendor; the
vendor modules are imported lazily because each one loads models that exist only on its own
database (importing the SQLite module on PostgreSQL fails).
"""

from django.db import connection


def SearchBackend(params):  # noqa: N802 - the name modelsearch looks up
    if connection.vendor == "postgresql":
        from .postgres import CJKPostgresSearchBackend

        return CJKPostgresSearchBackend(params)
    if connection.vendor == "sqlite":
        from modelsearch.backends.database.sqlite.utils import fts5_available, fts_table_exists

        # Without FTS5 the Chinese tokens could not be matched at all: refuse loudly rather
        # than fall back to a backend that silently finds little.
        if not (fts5_available() and fts_table_exists()):
            raise RuntimeError(
                "search.backends needs SQLite with FTS5 and Wagtail's search migrations applied"
            )
        from .sqlite import CJKSQLiteSearchBackend

        return CJKSQLiteSearchBackend(params)
    raise RuntimeError(f"search.backends supports SQLite and PostgreSQL, not {connection.vendor}")
