"""The alerts admin in a real browser: a drafter composes and submits an Actual alert, a second
person of 应急发布审核 confirms it, and it is issued; the pages we render carry no English, no
console errors and no serious accessibility problems."""

import datetime
import re

from django.utils import timezone

from alerts.models import Alert, AlertAck, Stage
from screens.provisioning import provision
from tests.alerts.factories import make_person
from tests.browser.conftest import serious_violations

PASSWORD = "not-used-in-tests-0"  # noqa: S105 - the factories' throw-away password
FORM_TIME = "%Y-%m-%d %H:%M"
# Latin that belongs on these pages: identifiers, addresses, CAP, percentiles.
ALLOWED = re.compile(r"kepuqingcheng\.[\w.]+|[\w.]+@[\w.]+|/alerts/[\w./:@-]+|CAP|p50|p95")


def english_in(text):
    return [line for line in text.splitlines() if re.search(r"[A-Za-z]{2,}", ALLOWED.sub("", line))]


def sign_in(page, username):
    page.goto("/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def assert_chinese_and_clean(page):
    main = page.locator("main")
    assert english_in(main.inner_text()) == [], page.url
    labels = main.evaluate(
        "m => [...m.querySelectorAll('[aria-label],[title],[placeholder]')]"
        ".filter(e => e.offsetParent !== null)"
        ".map(e => e.getAttribute('aria-label') || e.getAttribute('title')"
        " || e.getAttribute('placeholder'))"
    )
    assert english_in("\n".join(labels)) == [], page.url
    assert serious_violations(page) == [], page.url


def test_drafter_composes_a_second_person_confirms_and_it_is_issued(
    browser_page, chromium, live_server
):
    screen, _token = provision("中山路广场屏", "150105", "square")
    make_person("drafter", last_name="王", first_name="芳")
    make_person("confirmer", last_name="张", first_name="伟")
    page = browser_page
    sign_in(page, "drafter")

    page.goto("/admin/alerts_alert/")
    assert_chinese_and_clean(page)
    page.goto("/admin/alerts_alert/new/")
    assert_chinese_and_clean(page)
    now = timezone.localtime()
    page.get_by_label("事件").fill("寒潮蓝色预警")
    page.get_by_label("预警级别").select_option("Minor")
    page.get_by_label("标题").fill("呼和浩特市气象台发布寒潮蓝色预警")
    page.get_by_label("详情").fill("受强冷空气影响，未来48小时我市气温将下降8℃以上。")
    page.fill("input[name=onset]", now.strftime(FORM_TIME))
    page.fill("input[name=expires]", (now + datetime.timedelta(hours=6)).strftime(FORM_TIME))
    page.get_by_label("赛罕区（150105）").check()
    page.get_by_label("行动要点", exact=True).fill(
        "减少户外活动\n注意添衣保暖\n关好门窗防风\n老人儿童留在室内"
    )
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/admin/alerts_alert/inspect/*/")
    alert = Alert.objects.get()
    assert alert.stage == Stage.DRAFT and alert.created_by.username == "drafter"
    assert_chinese_and_clean(page)

    page.get_by_role("button", name="提交（待第二人确认）").click()
    page.wait_for_url(f"**/admin/alerts_alert/inspect/{alert.pk}/")
    assert page.locator("[data-alert-stage-label]").inner_text().strip() == "待审核确认"
    assert page.get_by_role("button", name="确认发布").count() == 0
    assert page.locator("[data-own-awaiting]").is_visible()

    second = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        other = second.new_page()
        errors = []
        other.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(other, "confirmer")
        other.goto(f"/admin/alerts_alert/inspect/{alert.pk}/")
        assert_chinese_and_clean(other)
        other.get_by_role("button", name="确认发布").click()
        other.wait_for_url(f"**/admin/alerts_alert/inspect/{alert.pk}/")
        assert other.locator("[data-alert-stage-label]").inner_text().strip() == "已发布"
        assert "已确认，预警已发布" in other.content()
        history = other.locator("[data-history]").inner_text()
        assert "王芳" in history and "张伟" in history
        assert_chinese_and_clean(other)

        other.get_by_role("link", name="运行监控").click()
        other.wait_for_url(f"**/admin/alerts_alert/console/{alert.pk}/")
        assert other.locator('[data-figure="targeted"]').inner_text() == "1"
        assert other.locator('[data-figure="acknowledged"]').inner_text() == "0"
        assert_chinese_and_clean(other)
        # The screen reports it shows the alert: the console catches up by itself.
        alert.refresh_from_db()
        AlertAck.objects.create(alert=alert, screen=screen, acknowledged_at=timezone.now())
        acknowledged = other.locator('[data-figure="acknowledged"]')
        acknowledged.filter(has_text="1").wait_for(timeout=12_000)
        assert other.locator('[data-screen-state="acknowledged"]').count() == 1
        assert errors == []
    finally:
        second.close()

    alert.refresh_from_db()
    assert alert.stage == Stage.ISSUED and alert.confirmed_by.username == "confirmer"
    assert list(Alert.objects.active()) == [alert]
    assert page.console_errors == []
