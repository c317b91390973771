"""The word index of search.backends.postings. The model gives every database the same table;
on PostgreSQL this adds what the ORM cannot declare and fills it from the index entries already
there, so that one-word searches find them before any reindex."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "kepu_search_posting"
TERM_INDEX = "kepu_search_posting_term"


def prepare(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # What the running code writes: a later change to the scores comes with a migration that
    # rebuilds the word index.
    from search.backends.postings import write_postings

    entries = apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table
    schema_editor.execute(f'ALTER TABLE {TABLE} ALTER COLUMN term TYPE text COLLATE "C"')
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_entry_cascade FOREIGN KEY (entry_id) "
        f"REFERENCES {entries} (id) ON DELETE CASCADE"
    )
    schema_editor.execute(
        f"CREATE INDEX {TERM_INDEX} ON {TABLE} (term, content_type_id) "
        "INCLUDE (object_id, in_title, score)"
    )
    with schema_editor.connection.cursor() as cursor:
        write_postings(cursor)


def unprepare(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TERM_INDEX}")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {TABLE}_entry_cascade")


class Migration(migrations.Migration):

    dependencies = [
        ('kepu_search', '0002_indexentry_title_body_gin'),
        ('wagtailsearch', '0010_add_text_fields'),
    ]

    operations = [
        migrations.CreateModel(
            name='Posting',
            fields=[
                ('pk', models.CompositePrimaryKey('entry', 'term', blank=True, editable=False, primary_key=True, serialize=False)),
                ('term', models.TextField()),
                ('content_type_id', models.IntegerField()),
                ('object_id', models.BigIntegerField()),
                ('in_title', models.BooleanField()),
                ('score', models.FloatField()),
                ('entry', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='wagtailsearch.indexentry')),
            ],
            options={
                'verbose_name': '检索词条',
                'verbose_name_plural': '检索词条',
            },
        ),
        migrations.RunPython(prepare, unprepare, elidable=False),
    ]
