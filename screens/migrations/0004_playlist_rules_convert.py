"""Convert playlists' comma-separated topics and types into relations and a list.

A word naming no topic is never dropped silently: the migration prints it and writes it into the
playlist's ``rule_note``, which the admin shows on the playlist. What each playlist plays stays
as it was: the old rules compared words with topic slugs exactly (a word matching no slug matched
nothing), so a playlist whose every topic is unknown, which played only its hand-picked items,
gets its rules switched off instead of widening to every topic. Unknown types were ignored by the
old rules and are left out (and noted) likewise.
"""

from django.db import migrations

# The content kinds as they were when this migration was written (migrations do not import
# application code, which may change).
KINDS = ("article", "video", "comic", "emergency")


def _words(text):
    # Exactly as the old Playlist.topic_list / kind_list read them.
    return [word.strip() for word in (text or "").split(",") if word.strip()]


def convert_playlists(apps, schema_editor):
    playlist_model = apps.get_model("screens", "Playlist")
    tag_model = apps.get_model("taggit", "Tag")
    for playlist in playlist_model.objects.order_by("pk"):
        topics = list(dict.fromkeys(_words(playlist.legacy_topics)))
        kinds = list(dict.fromkeys(_words(playlist.legacy_kinds)))
        tags = {tag.slug: tag for tag in tag_model.objects.filter(slug__in=topics)}
        unknown_topics = [topic for topic in topics if topic not in tags]
        unknown_kinds = [kind for kind in kinds if kind not in KINDS]
        playlist.topics.set(tags.values())
        playlist.kinds = [kind for kind in kinds if kind in KINDS]
        notes = []
        if unknown_topics:
            notes.append(
                "迁移时未找到这些主题，已从规则中移除：%s。" % "、".join(unknown_topics)
            )
            if not tags and playlist.use_rules:
                playlist.use_rules = False
                notes.append(
                    "原规则的主题都不存在、从未选中内容，为保持播放内容不变已关闭“按规则选取内容”；"
                    "选好主题后请重新开启。"
                )
        if unknown_kinds:
            notes.append("迁移时忽略了未知的内容类型：%s。" % "、".join(unknown_kinds))
        if notes:
            playlist.rule_note = "\n".join(filter(None, [playlist.rule_note, *notes]))
            print(  # noqa: T201 - the operator running the migration should see this
                f"\n  播放列表 {playlist.pk}「{playlist.name}」：{' '.join(notes)}"
            )
        playlist.save(update_fields=["kinds", "use_rules", "rule_note"])


def restore_text(apps, schema_editor):
    playlist_model = apps.get_model("screens", "Playlist")
    for playlist in playlist_model.objects.order_by("pk"):
        playlist.legacy_topics = ",".join(
            playlist.topics.order_by("slug").values_list("slug", flat=True)
        )
        playlist.legacy_kinds = ",".join(playlist.kinds or [])
        playlist.save(update_fields=["legacy_topics", "legacy_kinds"])


class Migration(migrations.Migration):
    dependencies = [("screens", "0003_playlist_rule_relations")]

    operations = [migrations.RunPython(convert_playlists, restore_text)]
