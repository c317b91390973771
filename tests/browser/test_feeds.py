"""The 订阅 page in a real browser: readable on a phone, accessible, no console errors."""

from content.models import Audience
from tests.browser.conftest import serious_violations
from tests.content.factories import ArticlePageFactory


def test_subscribe_page_on_a_phone(browser_page):
    # The live server's database is flushed between tests, seeded vocabulary included.
    Audience.objects.get_or_create(slug="elderly", defaults={"name": "老年人"})
    ArticlePageFactory(audiences=["elderly"], topics=["防范电信诈骗"])
    browser_page.set_viewport_size({"width": 360, "height": 740})
    browser_page.goto("/feeds/")
    assert browser_page.locator("h1").inner_text() == "订阅科普青城"
    assert browser_page.locator("a[href$='/feeds/rss/?audience=elderly']").count() == 1
    # Long feed URLs wrap rather than widening the page.
    width = browser_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert serious_violations(browser_page) == []
    assert browser_page.console_errors == []
