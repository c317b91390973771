import pytest

from tests.browser.conftest import serious_violations
from tests.content import factories


@pytest.fixture
def searchable(site_tree):
    page = factories.ArticlePageFactory(title="草原防火须知", summary="春季草原防火期", body=[])
    factories.publish(page)
    return page


def test_search_page_with_results_is_accessible_and_suggests(browser_page, searchable):
    browser_page.goto("/search/?q=防火")
    assert browser_page.locator("mark").first.inner_text() == "防火"
    assert serious_violations(browser_page) == []
    browser_page.fill("#search-q", "草原")
    browser_page.locator("#search-suggestions option").first.wait_for(state="attached")
    assert browser_page.locator("#search-suggestions option").first.get_attribute("value") == (
        "草原防火须知"
    )
    assert browser_page.console_errors == []


def test_zero_result_page_is_accessible(browser_page, searchable):
    browser_page.goto("/search/?q=火星移民")
    assert "没有找到相关内容" in browser_page.content()
    assert serious_violations(browser_page) == []
    assert browser_page.console_errors == []


def test_search_works_without_javascript(chromium, live_server, transactional_db, searchable):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/search/")
    page.fill("#search-q", "防火")
    page.get_by_role("button", name="搜索", exact=True).click()
    page.wait_for_url("**/search/?q=*")
    assert page.get_by_role("link", name="草原防火须知").is_visible()
    context.close()
