"""The alert banner and pages in a real Chromium: the banner on a content page with the warning
colour and a working link, on a 375 px phone too, without JavaScript, in the large-text reading
mode; the alert pages clean under axe."""

import pytest

from alerts import active
from tests.alerts.factories import issue, make_alert, make_person
from tests.browser.conftest import serious_violations
from tests.content.factories import ArticlePageFactory, EmergencyGuidePageFactory

# China's warning colours as site.css paints them (computed style, rgb()).
RED = "rgb(192, 0, 0)"
YELLOW = "rgb(255, 212, 0)"
WHITE = "rgb(255, 255, 255)"
DARK = "rgb(27, 31, 35)"


@pytest.fixture(autouse=True)
def no_alerts_left_in_the_memo():
    # The suite keeps the banner memo for an hour; a flushed database must not leave alerts in it.
    active.forget()
    yield
    active.forget()


@pytest.fixture
def alerts(site_tree):
    drafter = make_person("drafter", last_name="王", first_name="芳")
    confirmer = make_person("confirmer", last_name="张", first_name="伟")
    guide = EmergencyGuidePageFactory(title="寒潮来了怎么办", hazard="cold_wave")
    yellow = make_alert(
        created_by=drafter,
        severity="Moderate",
        event="寒潮黄色预警",
        headline="呼和浩特市气象台发布寒潮黄色预警",
    )
    yellow.explainers.set([guide])
    yellow = issue(yellow, drafter, confirmer)
    red = issue(
        make_alert(
            created_by=drafter,
            status="Exercise",
            severity="Extreme",
            category="Geo",
            event="地震红色预警",
            headline="赛罕区地震应急演练",
            areas=("150105",),
        ),
        drafter,
    )
    return {"yellow": yellow, "red": red}


@pytest.fixture
def article(site_tree):
    return ArticlePageFactory(title="冬季防范一氧化碳中毒")


def style(locator, prop):
    return locator.evaluate(f"(element) => getComputedStyle(element).{prop}")


def check_banner(page, alerts):
    banner = page.get_by_role("region", name="应急预警")
    assert banner.is_visible()
    items = banner.locator(".alert-banner__item")
    assert items.count() == 2
    red, yellow = items.nth(0), items.nth(1)  # most severe first
    assert style(red, "backgroundColor") == RED
    assert style(red.locator(".alert-banner__link"), "color") == WHITE
    assert red.locator(".alert-label").inner_text() == "演练"
    assert style(yellow, "backgroundColor") == YELLOW
    assert style(yellow.locator(".alert-banner__link"), "color") == DARK  # dark text on yellow
    assert "黄色预警" in yellow.inner_text()
    link = yellow.get_by_role("link", name=alerts["yellow"].headline)
    assert link.get_attribute("href") == f"/alerts/{alerts['yellow'].identifier}/"
    return link


@pytest.mark.parametrize("width", [1280, 375])
def test_the_banner_on_a_content_page_leads_to_the_alert(browser_page, article, alerts, width):
    browser_page.set_viewport_size({"width": width, "height": 800})
    browser_page.goto(article.url)
    link = check_banner(browser_page, alerts)
    box = browser_page.get_by_role("region", name="应急预警").bounding_box()
    assert box["y"] < 200 and box["width"] <= width  # at the top, within the screen
    # Nothing on the page is wider than a phone.
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(browser_page) == []

    link.click()
    browser_page.wait_for_load_state()
    assert browser_page.locator("h1").inner_text() == alerts["yellow"].headline
    assert browser_page.get_by_role("link", name="寒潮来了怎么办").is_visible()
    assert browser_page.console_errors == []


def test_the_banner_needs_no_javascript(chromium, live_server, article, alerts):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(article.url)
    check_banner(page, alerts)
    context.close()


def test_the_banner_in_the_large_text_mode(browser_page, live_server, article, alerts):
    browser_page.goto(article.url)
    link = browser_page.locator(".alert-banner__link").first
    standard = float(style(link, "fontSize").removesuffix("px"))
    browser_page.get_by_role("link", name="大字号高对比").click()
    browser_page.wait_for_load_state()
    assert browser_page.locator("html").get_attribute("class") == "reading-large"
    check_banner(browser_page, alerts)
    link = browser_page.locator(".alert-banner__link").first
    assert float(style(link, "fontSize").removesuffix("px")) >= standard * 1.25
    assert serious_violations(browser_page) == []


def all_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
    ]


@pytest.mark.parametrize("mode", ["standard", "large"])
def test_the_alert_pages_have_no_axe_violations(browser_page, live_server, alerts, mode):
    if mode == "large":
        browser_page.context.add_cookies(
            [{"name": "kepu_reading", "value": "large", "url": live_server.url}]
        )
    problems = {}
    for path in (
        "/alerts/",
        f"/alerts/{alerts['yellow'].identifier}/",
        f"/alerts/{alerts['red'].identifier}/",
    ):
        response = browser_page.goto(path)
        assert response.status == 200, path
        if violations := all_violations(browser_page):
            problems[path] = violations
    assert problems == {}
    assert browser_page.console_errors == []


def test_the_empty_list_and_an_ended_alert_have_no_axe_violations(browser_page, site_tree):
    from alerts import issuing

    drafter = make_person("drafter")
    alert = issue(make_alert(created_by=drafter, status="Test"), drafter)
    issuing.cancel(alert, drafter, "测试结束")
    problems = {}
    for path in ("/alerts/", f"/alerts/{alert.identifier}/"):
        browser_page.goto(path)
        if violations := all_violations(browser_page):
            problems[path] = violations
    assert problems == {}
    browser_page.goto("/alerts/")
    assert browser_page.get_by_text("目前没有生效的应急预警。").is_visible()
