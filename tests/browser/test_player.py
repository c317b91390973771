"""The screen player in a real Chromium against the live server and the real manifest API:
it plays and advances, plays videos muted with captions, keeps playing offline (also after a
reload), delivers offline proof of play exactly once, hears a change through the push channel
within 2 s, and skips a stalled item within 4 s."""

import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from screens.manifest import item_id
from screens.models import Play, Playlist, PlaylistItem
from screens.pairing import claim
from screens.provisioning import provision
from screens.signals import screen_command
from tests.browser.conftest import ConsoleLog, serious_violations
from tests.content.factories import (
    ArticlePageFactory,
    ComicPageFactory,
    DocumentFactory,
    EmergencyGuidePageFactory,
    MediaFactory,
    VideoPageFactory,
    publish,
)

DEMO_VIDEO = Path(__file__).resolve().parents[2] / "content/demo/media/video"


@pytest.fixture(autouse=True)
def quick_player(settings):
    # Short intervals keep the suite fast; the behaviour is the same as with production values.
    settings.SCREENS_POLL_SECONDS = 5
    settings.SCREENS_EVENTS_KEEPALIVE_SECONDS = 2
    settings.SCREENS_EVENTS_MAX_SECONDS = 30


@pytest.fixture
def programme(transactional_db, site_tree):
    """A screen whose playlist loops: article card, video, comic, emergency card."""
    article = ArticlePageFactory(title="冬季用电安全")
    video = VideoPageFactory(
        title="沙尘暴是怎样形成的",
        duration=8,
        video=MediaFactory(
            duration=8,
            file=ContentFile((DEMO_VIDEO / "demo-028.mp4").read_bytes(), name="sandstorm.mp4"),
        ),
        captions=DocumentFactory(
            file=ContentFile((DEMO_VIDEO / "demo-028.vtt").read_bytes(), name="sandstorm.vtt")
        ),
    )
    comic = ComicPageFactory(title="识破电信诈骗", panels=["陌生来电要警惕", "转账之前先核实"])
    alert = EmergencyGuidePageFactory(title="沙尘暴来了怎么办")
    playlist = Playlist.objects.create(
        name="测试节目", use_rules=False, card_seconds=2, panel_seconds=1
    )
    for position, page in enumerate([article, video, comic, alert]):
        PlaylistItem.objects.create(playlist=playlist, page=page, sort_order=position)
    screen, token = provision("中山路广场屏", "150105", "square")
    screen.playlist = playlist
    screen.save()
    return {
        "screen": screen,
        "token": token,
        # Manifest item ids, as the manifest names a page played with these durations.
        "ids": {
            "article": item_id(article.pk, 2, 1),
            "video": item_id(video.pk, 2, 1),
            "comic": item_id(comic.pk, 2, 1),
            "alert": item_id(alert.pk, 2, 1),
        },
        "pages": {"article": article, "video": video},
    }


@pytest.fixture
def open_player(chromium, live_server):
    contexts = []

    def open_(token=None, **options):
        context = chromium.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            viewport={"width": 1280, "height": 720},
            **options,
        )
        contexts.append(context)
        page = context.new_page()
        log = ConsoleLog()
        page.on("console", log.record_message)
        page.on("pageerror", log.record_page_error)
        page.console_errors = log.errors
        page.goto("/screen/" + (f"#token={token}" if token else ""))
        return page

    yield open_
    for context in contexts:
        context.close()


def wait_for_data(page, name, value, timeout):
    """Waits until ``<body data-NAME>`` is ``value``; says what the page was doing if not."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "([name, value]) => document.body.dataset[name] === value",
            arg=[name, value],
            timeout=timeout,
        )
    except PlaywrightTimeout:
        state = page.evaluate("({...document.body.dataset})")
        message = f"data-{name} never became {value!r}; {state}; {page.console_errors}"
        raise AssertionError(message) from None


def wait_for_item(page, item_id, timeout=15000):
    wait_for_data(page, "item", item_id, timeout)


def wait_until_cached(page):
    page.wait_for_function(
        "() => document.body.dataset.cache === 'ready'"
        " && navigator.serviceWorker.controller !== null",
        timeout=20000,
    )


def test_the_player_plays_cards_video_and_comic_in_order(programme, open_player):
    ids = programme["ids"]
    page = open_player(programme["token"])

    wait_for_item(page, ids["article"])
    # The token went to local storage and out of the address bar.
    assert "token" not in page.url
    assert page.evaluate("localStorage.getItem('kepu.screen.token')") == programme["token"]
    assert page.locator(".layer.is-front .card__title").inner_text() == "冬季用电安全"
    qr = page.locator(".layer.is-front .card__qr img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert page.locator("#clock").inner_text().count(":") == 1
    assert serious_violations(page) == []

    wait_for_item(page, ids["video"])
    video = page.locator(".layer.is-front video")
    page.wait_for_function("v => v.currentTime > 0.5", arg=video.element_handle(), timeout=10000)
    state = video.evaluate(
        """v => ({muted: v.muted, paused: v.paused, kind: v.textTracks[0].kind,
                  mode: v.textTracks[0].mode, cues: v.textTracks[0].cues.length})"""
    )
    assert state == {
        "muted": True,
        "paused": False,
        "kind": "captions",
        "mode": "showing",
        "cues": 6,
    }

    wait_for_item(page, ids["comic"], timeout=15000)
    assert page.locator(".layer.is-front .panel.is-current figcaption").inner_text() in {
        "陌生来电要警惕",
        "转账之前先核实",
    }
    page.wait_for_function("() => document.body.dataset.panel === '1'", timeout=5000)
    assert (
        page.locator(".layer.is-front .panel.is-current figcaption").inner_text()
        == "转账之前先核实"
    )

    wait_for_item(page, ids["alert"])
    actions = page.locator(".layer.is-front .card__actions li").all_inner_texts()
    assert actions == ["关好门窗", "减少外出", "外出戴口罩"]
    wait_for_item(page, ids["article"])  # and round again
    assert page.console_errors == []


def test_offline_the_player_keeps_playing_the_cached_schedule_after_a_reload(
    programme, open_player
):
    ids = programme["ids"]
    page = open_player(programme["token"])
    wait_until_cached(page)
    page.context.set_offline(True)

    page.reload()

    page.wait_for_function("() => document.body.dataset.net === 'offline'", timeout=10000)
    wait_for_item(page, ids["article"])
    assert page.locator(".layer.is-front .card__title").inner_text() == "冬季用电安全"
    assert page.locator("#net-state").inner_text() == "离线播放"
    # Media come from the verified cache as blob: URLs, the video included.
    wait_for_item(page, ids["video"])
    video = page.locator(".layer.is-front video")
    page.wait_for_function("v => v.currentTime > 0.5", arg=video.element_handle(), timeout=10000)
    assert video.evaluate("v => v.currentSrc").startswith("blob:")
    wait_for_item(page, ids["comic"], timeout=15000)
    assert page.locator(".layer.is-front .panel img").first.evaluate("img => img.naturalWidth > 0")
    # Only the expected failures of requests to the unreachable server.
    unexpected = [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e]
    assert unexpected == []


def test_proof_of_play_made_offline_arrives_once_after_reconnection(programme, open_player):
    ids = programme["ids"]
    page = open_player(programme["token"])
    wait_until_cached(page)
    page.context.set_offline(True)
    page.reload()
    wait_for_item(page, ids["article"])
    # Two items end while offline: their records wait in the queue.
    wait_for_item(page, ids["video"])
    wait_for_item(page, ids["comic"], timeout=15000)
    queued = page.evaluate("JSON.parse(localStorage.getItem('kepu.screen.plays') || '[]')")
    offline_uuids = {play["uuid"] for play in queued}
    assert len(offline_uuids) >= 2
    assert not Play.objects.filter(uuid__in=offline_uuids).exists()

    page.context.set_offline(False)

    page.wait_for_function(
        "() => JSON.parse(localStorage.getItem('kepu.screen.plays') || '[]').length === 0",
        timeout=15000,
    )
    stored = Play.objects.filter(uuid__in=offline_uuids)
    assert stored.count() == len(offline_uuids)
    assert Play.objects.count() == Play.objects.values("uuid").distinct().count()
    played = {play.page_id for play in stored}
    assert {programme["pages"]["article"].pk, programme["pages"]["video"].pk} <= played
    page.wait_for_function("() => document.body.dataset.net === 'online'", timeout=10000)


def test_a_content_change_reaches_an_open_player_through_the_push_channel(programme, open_player):
    page = open_player(programme["token"])
    wait_for_item(page, programme["ids"]["article"])
    page.wait_for_function("() => document.body.dataset.push === 'connected'", timeout=10000)
    version = page.evaluate("document.body.dataset.version")
    article = programme["pages"]["article"]

    article.title = "冬季用电安全（更新）"
    started = time.monotonic()
    publish(article)
    page.wait_for_function("v => document.body.dataset.version !== v", arg=version, timeout=2000)
    elapsed = time.monotonic() - started

    assert elapsed <= 2.0
    # The new title is on screen when the card comes round again.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.card__title')]"
        ".some(e => e.textContent.includes('更新'))",
        timeout=20000,
    )
    # The admin's "refresh now" reloads the player through the same channel.
    page.wait_for_function("() => document.body.dataset.push === 'connected'", timeout=10000)
    with page.expect_event("load", timeout=5000):
        screen_command.send(sender=None, screen_ids=[programme["screen"].pk], command="reload")
    wait_for_item(page, programme["ids"]["article"])
    assert page.console_errors == []


def test_a_stalled_item_is_skipped_by_the_watchdog(programme, open_player):
    ids = programme["ids"]
    # The video's file never arrives (no service worker, so the route sees every request).
    page = open_player(service_workers="block")
    page.route("**/*.mp4", lambda route: None)
    page.evaluate("t => localStorage.setItem('kepu.screen.token', t)", programme["token"])
    page.reload()

    wait_for_item(page, ids["article"])
    card_started = time.monotonic()
    wait_for_item(page, ids["comic"], timeout=15000)
    waited = time.monotonic() - card_started

    assert page.evaluate("document.body.dataset.skipped") == ids["video"]
    # The card's 2 s, then at most the 4 s watchdog, and a little slack for the browser.
    assert waited <= 2 + 4 + 1.5
    page.unroute("**/*.mp4")


def test_an_unpaired_screen_shows_its_pairing_code_and_starts_once_claimed(programme, open_player):
    page = open_player()
    code = page.locator("#pairing-code")
    page.wait_for_function("() => document.getElementById('pairing-code').textContent.length === 6")
    assert code.is_visible()
    assert serious_violations(page) == []

    claim(code.inner_text(), programme["screen"])

    wait_for_item(page, programme["ids"]["article"], timeout=15000)
    assert page.locator("#pairing").is_hidden()
    assert page.evaluate("localStorage.getItem('kepu.screen.token')").startswith("kps_")
    assert page.console_errors == []
