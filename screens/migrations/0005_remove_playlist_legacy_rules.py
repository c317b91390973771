from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("screens", "0004_playlist_rules_convert")]

    operations = [
        migrations.RemoveField(model_name="playlist", name="legacy_topics"),
        migrations.RemoveField(model_name="playlist", name="legacy_kinds"),
    ]
