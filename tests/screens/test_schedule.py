import datetime
import zoneinfo

import pytest
from django.utils import timezone

from screens import manifest
from screens.models import Playlist, PlaylistItem, Schedule, ScreenGroup
from tests.content.factories import ArticlePageFactory, EmergencyGuidePageFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A Wednesday, 10:00 in Hohhot.
NOW = datetime.datetime(2026, 5, 6, 10, 0, tzinfo=SHANGHAI)


def picked(name, *pages, **fields):
    playlist = Playlist.objects.create(name=name, use_rules=False, **fields)
    for position, page in enumerate(pages):
        PlaylistItem.objects.create(playlist=playlist, page=page, sort_order=position)
    return playlist


def windows(screen):
    screen.refresh_from_db()
    return manifest.build(screen, NOW)["schedule"]


def at(schedule, moment):
    for window in schedule:
        starts = datetime.datetime.fromisoformat(window["starts_at"])
        ends = datetime.datetime.fromisoformat(window["ends_at"])
        if starts <= moment < ends:
            return window
    return None


def test_time_windows_and_weekdays_in_local_time(screen_and_token):
    screen, _ = screen_and_token
    morning = ArticlePageFactory(title="早间内容")
    ArticlePageFactory(title="默认内容")
    Schedule.objects.create(
        playlist=picked("早间", morning),
        screen=screen,
        start_time=datetime.time(7),
        end_time=datetime.time(9),
        weekdays="12345",
    )
    schedule = windows(screen)
    thursday_8 = datetime.datetime(2026, 5, 7, 8, 0, tzinfo=SHANGHAI)
    saturday_8 = datetime.datetime(2026, 5, 9, 8, 0, tzinfo=SHANGHAI)
    assert at(schedule, thursday_8)["playlist"] == "早间"
    assert at(schedule, thursday_8)["items"] == [str(morning.pk)]
    assert at(schedule, saturday_8)["playlist"] == "默认播放列表"
    assert at(schedule, NOW)["playlist"] == "默认播放列表"
    # 07:00 Hohhot is 23:00 UTC the day before.
    assert any(w["starts_at"] == "2026-05-07T07:00:00+08:00" for w in schedule)
    assert datetime.datetime.fromisoformat(schedule[-1]["ends_at"]) >= NOW + datetime.timedelta(
        days=7
    )


def test_emergency_overrides_higher_priorities_and_date_ranges_end(screen_and_token, region):
    screen, _ = screen_and_token
    normal = ArticlePageFactory()
    alert = EmergencyGuidePageFactory()
    group = ScreenGroup.objects.create(name="赛罕区", region=region)
    Schedule.objects.create(playlist=picked("常规", normal), screen=screen, priority=100)
    Schedule.objects.create(
        playlist=picked("沙尘暴", alert),
        group=group,
        priority=0,
        emergency=True,
        end_date=datetime.date(2026, 5, 7),
    )
    schedule = windows(screen)
    assert at(schedule, NOW)["emergency"] is True
    assert at(schedule, NOW)["items"] == [str(alert.pk)]
    friday = datetime.datetime(2026, 5, 8, 12, 0, tzinfo=SHANGHAI)
    assert at(schedule, friday)["playlist"] == "常规"


def test_overnight_window_crosses_midnight(screen_and_token):
    screen, _ = screen_and_token
    night = ArticlePageFactory()
    Schedule.objects.create(
        playlist=picked("夜间", night),
        screen=screen,
        start_time=datetime.time(22),
        end_time=datetime.time(6),
    )
    schedule = windows(screen)
    assert at(schedule, datetime.datetime(2026, 5, 7, 2, 0, tzinfo=SHANGHAI))["playlist"] == "夜间"
    assert at(schedule, datetime.datetime(2026, 5, 7, 7, 0, tzinfo=SHANGHAI))["playlist"] != "夜间"


def test_expired_content_drops_out_when_it_expires(screen_and_token):
    screen, _ = screen_and_token
    lasting = ArticlePageFactory()
    expiring = ArticlePageFactory(expire_at=timezone.now() + datetime.timedelta(days=2))
    screen.playlist = picked("限时", lasting, expiring)
    screen.save()
    now = timezone.now()
    schedule = manifest.build(screen, now)["schedule"]
    assert str(expiring.pk) in at(schedule, now)["items"]
    later = at(schedule, now + datetime.timedelta(days=3))
    assert later["items"] == [str(lasting.pk)]


def test_weighted_playlist_repeats_heavier_items(screen_and_token):
    screen, _ = screen_and_token
    heavy, light = ArticlePageFactory(), ArticlePageFactory()
    playlist = Playlist.objects.create(name="加权", use_rules=False, order="weighted")
    PlaylistItem.objects.create(playlist=playlist, page=heavy, weight=3, sort_order=0)
    PlaylistItem.objects.create(playlist=playlist, page=light, weight=1, sort_order=1)
    screen.playlist = playlist
    screen.save()
    items = windows(screen)[0]["items"]
    assert items.count(str(heavy.pk)) == 3 and items.count(str(light.pk)) == 1


def test_rules_playlist_and_durations(screen_and_token):
    screen, _ = screen_and_token
    elderly = ArticlePageFactory(audiences=["elderly"], topics=["防范电信诈骗"])
    ArticlePageFactory(audiences=["youth"])
    playlist = Playlist.objects.create(name="老年人", card_seconds=20)
    playlist.topics.set(playlist.topics.model.objects.filter(slug="防范电信诈骗"))
    playlist.audiences.set(playlist.audiences.model.objects.filter(slug="elderly"))
    screen.playlist = playlist
    screen.save()
    built = manifest.build(screen, NOW)
    assert [built["items"][item]["page_id"] for item in built["schedule"][0]["items"]] == [
        elderly.pk
    ]
    assert next(iter(built["items"].values()))["duration"] == 20.0


def test_unreviewed_content_never_reaches_a_screen(screen_and_token):
    screen, _ = screen_and_token
    reviewed = ArticlePageFactory()
    ArticlePageFactory(reviewed_by="")
    built = manifest.build(screen, NOW)
    assert {item["page_id"] for item in built["items"].values()} == {reviewed.pk}


def test_playlist_edit_invalidates_the_screens_it_reaches(screen_and_token, screen_client):
    screen, _ = screen_and_token
    first, second = ArticlePageFactory(), ArticlePageFactory()
    screen.playlist = picked("手选", first)
    screen.save()
    etag = screen_client.get("/api/v1/screens/manifest")["ETag"]
    PlaylistItem.objects.create(playlist=screen.playlist, page=second, sort_order=1)
    response = screen_client.get("/api/v1/screens/manifest", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["schedule"][0]["items"] == [str(first.pk), str(second.pk)]


@pytest.mark.django_db
def test_a_playlist_rejects_unknown_content_types():
    from django.core.exceptions import ValidationError

    from screens.models import Playlist

    playlist = Playlist(name="广场轮播", kinds=["video", "podcast"])
    with pytest.raises(ValidationError) as error:
        playlist.full_clean()
    assert "podcast" in str(error.value.message_dict["kinds"])
    Playlist(name="广场轮播", kinds=["video", "emergency"]).full_clean()
