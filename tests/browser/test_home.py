import pytest

from tests.browser.conftest import serious_violations


@pytest.mark.parametrize("mode", ["standard", "large"])
def test_home_page_has_no_console_errors_or_serious_axe_violations(browser_page, live_server, mode):
    if mode == "large":
        browser_page.context.add_cookies(
            [{"name": "kepu_reading", "value": "large", "url": live_server.url}]
        )
    browser_page.goto("/")
    assert browser_page.locator("html").get_attribute("class") == f"reading-{mode}"
    assert browser_page.locator("h1").inner_text() == "科普青城"
    assert serious_violations(browser_page) == []
    assert browser_page.console_errors == []


def test_large_text_switch_enlarges_text_without_javascript(
    chromium, live_server, transactional_db, site_tree
):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")

    def body_font_size():
        return page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")

    standard = body_font_size()
    page.get_by_role("link", name="大字号高对比").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("class") == "reading-large"
    assert body_font_size() >= standard * 1.2
    page.get_by_role("link", name="标准字号").click()
    assert body_font_size() == standard
    context.close()
