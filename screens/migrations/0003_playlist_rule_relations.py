"""Playlists' topics become a relation to the topic (taggit) table and their types a list.

The old comma-separated text stays (as legacy_topics / legacy_kinds) until 0004 has converted it
and 0005 drops it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("screens", "0002_offered_item"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RenameField(model_name="playlist", old_name="topics", new_name="legacy_topics"),
        migrations.RenameField(model_name="playlist", old_name="kinds", new_name="legacy_kinds"),
        migrations.AddField(
            model_name="playlist",
            name="topics",
            field=models.ManyToManyField(blank=True, to="taggit.tag", verbose_name="主题"),
        ),
        migrations.AddField(
            model_name="playlist",
            name="kinds",
            field=models.JSONField(
                blank=True, default=list, help_text="不选为全部类型。", verbose_name="内容类型"
            ),
        ),
        migrations.AddField(
            model_name="playlist",
            name="rule_note",
            field=models.TextField(
                blank=True,
                help_text="系统发现规则中有无法识别的内容时写在这里；核对并修改规则后可清空。",
                verbose_name="规则待核对",
            ),
        ),
    ]
