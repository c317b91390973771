import datetime
import uuid

import pytest
from django.utils import timezone

from screens.models import Play, ScreenGroup
from screens.signals import manifest_changed, screen_command
from tests.content.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


def play(screen, page, started, seconds):
    return Play.objects.create(
        uuid=uuid.uuid4(),
        screen=screen,
        page=page,
        title=page.title,
        started_at=started,
        duration_ms=seconds * 1000,
        received_at=started,
    )


def test_screen_list_shows_online_and_filters_by_status(make_screen, admin_client):
    online, _ = make_screen(name="在线屏")
    offline, _ = make_screen(name="离线屏", region="150102", place="park")
    type(online).objects.filter(pk=online.pk).update(last_seen_at=timezone.now())
    type(offline).objects.filter(pk=offline.pk).update(
        last_seen_at=timezone.now() - datetime.timedelta(hours=2)
    )
    page = admin_client.get("/admin/screens_screen/").content.decode()
    assert "在线屏" in page and "离线屏" in page and "在线" in page and "离线" in page
    only_online = admin_client.get("/admin/screens_screen/?status=online").content.decode()
    assert "在线屏" in only_online and "离线屏" not in only_online
    by_place = admin_client.get("/admin/screens_screen/?place=park").content.decode()
    assert "离线屏" in by_place and "在线屏" not in by_place


def test_screen_page_shows_plays_and_manifest_preview(screen_and_token, admin_client):
    screen, _ = screen_and_token
    page = ArticlePageFactory(title="防范电信诈骗")
    play(screen, page, timezone.now(), 15)
    html = admin_client.get(f"/admin/screens/{screen.pk}/").content.decode()
    assert "防范电信诈骗" in html
    assert "data-manifest-preview" in html and "&quot;schedule&quot;" in html


def test_report_counts_plays_and_seconds_and_exports_csv(make_screen, admin_client):
    first, _ = make_screen(name="甲屏")
    second, _ = make_screen(name="乙屏")
    page = ArticlePageFactory(title="沙尘暴防护")
    today = timezone.now()
    for _ in range(3):
        play(first, page, today, 15)
    play(second, page, today - datetime.timedelta(days=1), 10)

    html = admin_client.get("/admin/screens/report/").content.decode()
    assert "共播放 4 次，55.0 秒" in html
    # getvalue(): Wagtail's export is streamed; it reads the same either way.
    csv_text = admin_client.get("/admin/screens/report/?format=csv").getvalue().decode()
    lines = csv_text.strip().splitlines()
    assert lines[0] == "date,screen_id,screen,page_id,content,plays,seconds"
    assert any(",甲屏," in line and line.endswith(",3,45.0") for line in lines)
    assert any(",乙屏," in line and line.endswith(",1,10.0") for line in lines)


def test_refresh_buttons_send_the_reload_command(screen_and_token, admin_client, region):
    screen, _ = screen_and_token
    heard = []

    def receiver(sender, screen_ids, command, **kwargs):
        heard.append((sorted(screen_ids), command))

    screen_command.connect(receiver)
    try:
        admin_client.post(f"/admin/screens/{screen.pk}/reload/")
        group = ScreenGroup.objects.create(name="赛罕区全部", region=region)
        admin_client.post(f"/admin/screens/groups/{group.pk}/reload/")
    finally:
        screen_command.disconnect(receiver)
    assert heard == [([screen.pk], "reload"), ([screen.pk], "reload")]


def test_manifest_changed_is_sent_with_new_versions(
    screen_and_token, django_capture_on_commit_callbacks
):
    screen, _ = screen_and_token
    heard = []

    def receiver(sender, screen_ids, version, **kwargs):
        heard.append((screen_ids, version))

    manifest_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ArticlePageFactory()
    finally:
        manifest_changed.disconnect(receiver)
    assert heard and heard[-1][0] == [screen.pk]
    assert set(heard[-1][1]) == {screen.pk}
