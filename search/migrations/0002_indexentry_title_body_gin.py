"""A GIN index on ``title || body`` of Wagtail's search index table, PostgreSQL only.

Our PostgreSQL backend matches ``(title || body) @@ query`` on the index table itself (a query
whose words are split between title and body must still match); the per-column GIN indexes
Wagtail creates cannot serve that expression, so without this every search reads every entry.
SQLite keeps its index in FTS5 and needs nothing.
"""

from django.db import migrations

INDEX = "search_indexentry_title_body_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin ((title || body))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("kepu_search", "0001_initial"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
