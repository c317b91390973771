"""Emergency alerts on the screen player, in a real Chromium against the live server: an issued
alert preempts the playlist within 2 s (pushed), is acknowledged, stays through a reload while
offline, leaves at Cancel, and leaves at its expiry by the player's own clock while offline;
the playlist underneath is suspended meanwhile and resumes after."""

import datetime
import time

import pytest
from django.utils import timezone

from alerts import issuing
from alerts.models import AlertAck, Severity, Status
from screens.models import Play
from screens.provisioning import provision
from tests.alerts import conftest as alerts_fixtures
from tests.alerts.factories import issue, make_alert, make_person
from tests.browser import test_player as player_tests
from tests.browser.conftest import serious_violations
from tests.browser.test_player import wait_for_data, wait_for_item, wait_until_cached

# The player's fixtures: a screen in 新城区 (150105) whose playlist loops card, video, comic and
# emergency card, and a browser page opened on the player.
programme = player_tests.programme
open_player = player_tests.open_player
quick_player = player_tests.quick_player
# The alert tests' clean-up (autouse): no memo of alerts or cached manifest outlives a test.
fresh_alert_state = alerts_fixtures.fresh_alert_state


BEIJING = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def people(transactional_db):
    return make_person("drafter", last_name="王", first_name="芳"), make_person("confirmer")


def wait_for_alert(page, identifier, timeout=2000):
    """Waits until the player shows the alert ``identifier`` ("" for none)."""
    wait_for_data(page, "alert", identifier, timeout)


def wait_until_qr_kept(page, alert):
    """Waits until the QR code to the alert's page is in the player's media cache."""
    page.wait_for_function(
        """async pageUrl => {
            const qr = document.body.dataset.qr + "?url=" + encodeURIComponent(pageUrl);
            const cache = await caches.open("kepu-screen-media-v1");
            return Boolean(await cache.match(new URL(qr, location.origin).href));
        }""",
        arg=alert.get_full_url(),
        timeout=10000,
    )


def plays_so_far(page):
    """Proof-of-play records made so far: those the server has and those still queued."""
    queued = page.evaluate("JSON.parse(localStorage.getItem('kepu.screen.plays') || '[]').length")
    return Play.objects.count() + queued


def test_an_issued_alert_preempts_the_playlist_survives_an_offline_reload_and_ends_at_cancel(
    programme, open_player, people
):
    drafter, confirmer = people
    page = open_player(programme["token"])
    wait_for_item(page, programme["ids"]["article"])
    page.wait_for_function("() => document.body.dataset.push === 'connected'", timeout=10000)
    wait_until_cached(page)
    # The screen stands in 新城区 (150105); the alert is for the whole city (150100).
    alert = make_alert(["150100"], created_by=drafter, status=Status.EXERCISE)

    started = time.monotonic()
    issue(alert, drafter)
    wait_for_alert(page, alert.identifier, timeout=2000)

    assert time.monotonic() - started <= 2.0
    card = page.locator("#alert .alert-card")
    assert page.locator("#alert").get_attribute("role") == "alert"
    assert "alert-card--blue" in card.get_attribute("class")
    assert card.locator(".alert-card__headline").inner_text() == "呼和浩特市气象台发布寒潮蓝色预警"
    assert card.locator(".alert-card__event").inner_text().startswith("寒潮蓝色预警")
    assert card.locator(".alert-card__actions li").all_inner_texts() == [
        "减少户外活动",
        "注意添衣保暖",
        "关好门窗防风",
        "老人儿童留在室内",
    ]
    assert card.locator(".alert-card__stamp").inner_text() == "演练"
    sent = alert_sent(alert).astimezone(BEIJING)
    meta = card.locator(".alert-card__meta").inner_text()
    assert f"发布时间 {sent.month}月{sent.day}日 {sent:%H:%M}" in meta
    qr = card.locator(".alert-card__qr img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert serious_violations(page) == []
    # The screen said it showed the alert.
    assert wait_until(lambda: AlertAck.objects.filter(alert=alert).exists())
    # Nothing of the playlist plays or counts as played underneath.
    assert page.evaluate("document.body.dataset.state") == "alert"
    assert page.evaluate("document.body.dataset.item") == ""
    assert page.locator(".layer.is-front").count() == 0
    assert page.evaluate("[...document.querySelectorAll('video')].every(v => v.paused)")
    plays = plays_so_far(page)
    page.wait_for_timeout(3000)  # longer than a card's 2 s turn
    assert plays_so_far(page) == plays

    wait_until_qr_kept(page, alert)
    page.context.set_offline(True)
    page.reload()

    page.wait_for_function("() => document.body.dataset.net === 'offline'", timeout=10000)
    wait_for_alert(page, alert.identifier, timeout=3000)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert page.evaluate("document.body.dataset.item") == ""

    page.context.set_offline(False)
    page.wait_for_function("() => document.body.dataset.push === 'connected'", timeout=15000)
    # An update takes the place of the alert it replaces.
    update = issuing.draft_update(alert, drafter)
    update.event = "寒潮黄色预警"
    update.severity = Severity.MODERATE
    update.headline = "呼和浩特市气象台将寒潮蓝色预警升级为黄色预警"
    update.save()
    issue(update, drafter)
    wait_for_alert(page, update.identifier, timeout=2000)
    assert "alert-card--yellow" in card.get_attribute("class")
    assert serious_violations(page) == []
    assert card.locator(".alert-card__headline").inner_text() == update.headline
    assert page.evaluate("JSON.parse(localStorage.getItem('kepu.screen.alerts')).cards.length") == 1

    issuing.cancel(update, drafter, "寒潮已过，解除预警")
    wait_for_alert(page, "", timeout=2000)

    assert page.locator("#alert").is_hidden()
    # The playlist comes back, and proof of play with it.
    wait_for_item(page, programme["ids"]["article"], timeout=10000)
    assert AlertAck.objects.filter(alert=alert).count() == 1
    assert wait_until(lambda: AlertAck.objects.filter(alert=update).count() == 1)
    # Only the expected failures of requests to the unreachable server.
    unexpected = [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e]
    assert unexpected == []


def test_an_alert_leaves_the_screen_at_its_expiry_while_offline(programme, open_player, people):
    drafter, confirmer = people
    page = open_player(programme["token"])
    wait_for_item(page, programme["ids"]["article"])
    page.wait_for_function("() => document.body.dataset.push === 'connected'", timeout=10000)
    wait_until_cached(page)
    # Long enough to be shown, kept and reloaded offline first, even on a loaded machine.
    expires = timezone.now() + datetime.timedelta(seconds=20)
    # An Actual alert: a second person confirms it.
    alert = make_alert(
        ["150105"],
        created_by=drafter,
        event="暴雪橙色预警",
        headline="新城区发布暴雪橙色预警",
        severity=Severity.SEVERE,
        expires=expires,
    )
    issue(alert, drafter, confirmer)
    wait_for_alert(page, alert.identifier, timeout=2000)
    assert "alert-card--orange" in page.locator("#alert .alert-card").get_attribute("class")
    assert page.locator("#alert .alert-card__stamp").count() == 0
    assert serious_violations(page) == []

    wait_until_qr_kept(page, alert)
    page.context.set_offline(True)
    page.reload()
    wait_for_alert(page, alert.identifier, timeout=3000)
    page.wait_for_function("() => document.body.dataset.net === 'offline'", timeout=10000)

    left = (expires - timezone.now()).total_seconds()
    wait_for_alert(page, "", timeout=(left + 3) * 1000)

    # Not before its time (the player reads the server's clock), within a second or two after.
    assert timezone.now() >= expires
    assert timezone.now() - expires <= datetime.timedelta(seconds=2.5)
    wait_for_item(page, programme["ids"]["article"], timeout=10000)
    stored = page.evaluate("JSON.parse(localStorage.getItem('kepu.screen.alerts')).cards")
    assert stored == []
    unexpected = [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e]
    assert unexpected == []


def alert_sent(alert):
    alert.refresh_from_db()
    return alert.sent


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_player_sends_a_heartbeat_every_minute_whatever_the_poll_interval(
    chromium, live_server, site_tree
):
    # An idle screen (no playlist): nothing but polls and heartbeats goes to the server.
    screen, token = provision("东风路社区屏", "150105", "community")
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        context.clock.install()
        beats = []
        context.on(
            "request",
            lambda request: beats.append(request) if request.url.endswith("/heartbeat") else None,
        )
        page = context.new_page()
        page.goto(f"/screen/#token={token}")
        page.wait_for_function("() => document.body.dataset.state === 'idle'", timeout=10000)
        page.wait_for_function("() => document.body.dataset.net === 'online'", timeout=10000)
        page.wait_for_timeout(500)
        assert len(beats) == 1  # at start

        # The manifest is polled every 5 s here (quick_player); heartbeats keep to their minute.
        page.clock.run_for(55_000)
        page.wait_for_timeout(1000)
        assert len(beats) == 1
        with page.expect_request(lambda request: request.url.endswith("/heartbeat")):
            page.clock.run_for(6_000)
        with page.expect_request(lambda request: request.url.endswith("/heartbeat")):
            page.clock.run_for(60_000)

        assert len(beats) == 3
        screen.refresh_from_db()
        assert screen.last_seen_at is not None
    finally:
        context.close()
