"""Playlist rules are relations to the taxonomy: they follow a topic merge or rename, the admin
offers them as choices, and the migration from the old comma-separated text reports what it
could not convert instead of dropping it."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from taggit.models import Tag

from content.admin_forms import TopicMergeForm
from content.filters import ContentFilter
from screens import resolve
from screens.models import Playlist
from tests.content.factories import ArticlePageFactory, VideoPageFactory

BEFORE = [("screens", "0003_playlist_rule_relations")]
AFTER = [("screens", "0005_remove_playlist_legacy_rules")]


def played(playlist):
    return [page_id for page_id, _weight, _expire in resolve.playlist_entries(playlist)]


@pytest.mark.django_db
def test_a_playlist_is_a_content_filter(site_tree):
    fraud = ArticlePageFactory(audiences=["elderly"], topics=["防范电信诈骗"], regions=["150105"])
    VideoPageFactory(audiences=["elderly"], topics=["防范电信诈骗"])
    playlist = Playlist.objects.create(name="老年人", kinds=["article"])
    playlist.topics.set(Tag.objects.filter(slug="防范电信诈骗"))
    playlist.regions.set(playlist.regions.model.objects.filter(code="150100"))
    assert playlist.as_filter() == ContentFilter(
        kinds=("article",), topics=("防范电信诈骗",), regions=("150100",)
    )
    assert played(playlist) == [fraud.pk]


@pytest.mark.django_db
def test_a_topic_merge_carries_over_to_playlists(site_tree):
    misspelt = ArticlePageFactory(topics=["防范电信诈编"])
    right = ArticlePageFactory(topics=["防范电信诈骗"])
    ArticlePageFactory(topics=["应急避险"])
    old, target = Tag.objects.get(slug="防范电信诈编"), Tag.objects.get(slug="防范电信诈骗")
    both = Playlist.objects.create(name="两个都选")
    both.topics.set([old, target])
    only_old = Playlist.objects.create(name="只选了错字")
    only_old.topics.set([old])
    assert played(only_old) == [misspelt.pk]

    form = TopicMergeForm(data={"sources": [old.pk], "target": target.pk})
    assert form.is_valid(), form.errors
    form.merge()

    assert not Tag.objects.filter(pk=old.pk).exists()
    for playlist in (both, only_old):
        assert list(playlist.topics.all()) == [target]
        assert set(played(playlist)) == {misspelt.pk, right.pk}


@pytest.mark.django_db
def test_a_topic_rename_carries_over_to_playlists(site_tree):
    page = ArticlePageFactory(topics=["防诈骗"])
    ArticlePageFactory(topics=["应急避险"])
    playlist = Playlist.objects.create(name="防诈骗")
    tag = Tag.objects.get(slug="防诈骗")
    playlist.topics.set([tag])
    tag.name, tag.slug = "防范诈骗", "fangzha"
    tag.save()
    assert playlist.as_filter().topics == ("fangzha",)
    assert played(playlist) == [page.pk]


@pytest.mark.django_db
def test_the_admin_offers_types_and_topics_as_choices(site_tree, admin_client):
    ArticlePageFactory(topics=["应急避险"])
    tag = Tag.objects.get(slug="应急避险")
    form = admin_client.get(reverse("screens_playlist:add")).content.decode()
    assert 'type="checkbox" name="kinds" value="emergency"' in form and "应急科普" in form
    assert "规则待核对" in form and "主题" in form
    data = {
        "name": "应急轮播",
        "use_rules": "on",
        "kinds": ["emergency", "video"],
        "topics": [tag.pk],
        "newest": "20",
        "order": "ordered",
        "card_seconds": "15",
        "panel_seconds": "8",
        "rule_note": "",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(reverse("screens_playlist:add"), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    playlist = Playlist.objects.get(name="应急轮播")
    assert playlist.kinds == ["emergency", "video"] and list(playlist.topics.all()) == [tag]
    refused = admin_client.post(
        reverse("screens_playlist:add"), {**data, "name": "播客", "kinds": ["podcast"]}
    )
    assert refused.status_code == 200 and not Playlist.objects.filter(name="播客").exists()
    Playlist.objects.create(
        name="旧规则", rule_note="迁移时未找到这些主题，已从规则中移除：旧主题。"
    )
    listing = admin_client.get(reverse("screens_playlist:index")).content.decode()
    assert "已从规则中移除：旧主题" in listing


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_text_rules_and_reports_unknown_topics(site_tree, capsys):
    ArticlePageFactory(topics=["应急避险"])
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old_apps = executor.loader.project_state(BEFORE).apps
        old_playlist = old_apps.get_model("screens", "Playlist")
        mixed = old_playlist.objects.create(
            name="一个认得一个不认得",
            legacy_topics="应急避险, 已合并的旧主题",
            legacy_kinds="video,podcast",
        )
        unknown = old_playlist.objects.create(name="全不认得", legacy_topics="不存在的主题")
        plain = old_playlist.objects.create(name="没有主题", legacy_kinds="article")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
    finally:
        # Every app: going back also unapplied the migrations that depend on screens (alerts).
        call_command("migrate", verbosity=0)

    printed = capsys.readouterr().out
    assert "已合并的旧主题" in printed and "不存在的主题" in printed and "没有主题" not in printed

    mixed = Playlist.objects.get(pk=mixed.pk)
    assert [tag.slug for tag in mixed.topics.all()] == ["应急避险"]
    assert mixed.kinds == ["video"] and mixed.use_rules
    assert "已合并的旧主题" in mixed.rule_note and "podcast" in mixed.rule_note

    # Its only topic is unknown: the old rules matched nothing, so the rules are switched off
    # rather than widened to every topic, and the note says so.
    unknown = Playlist.objects.get(pk=unknown.pk)
    assert not unknown.use_rules and list(unknown.topics.all()) == []
    assert "不存在的主题" in unknown.rule_note and "按规则选取内容" in unknown.rule_note
    assert played(unknown) == []

    plain = Playlist.objects.get(pk=plain.pk)
    assert plain.kinds == ["article"] and plain.use_rules and plain.rule_note == ""
