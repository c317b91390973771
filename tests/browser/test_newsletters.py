"""Newsletter sign-up, confirmation and the preference centre in a real browser at 390 px:
readable on a phone, in the large-text mode too, accessible, no console errors."""

from newsletters.models import Status, Subscriber
from tests.browser.conftest import serious_violations
from tests.newsletters.conftest import links_in

PHONE = {"width": 390, "height": 844}


def fits_the_phone(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_sign_up_confirm_and_change_preferences_on_a_phone(
    browser_page, mail_server, live_server, settings
):
    settings.SITE_URL = live_server.url  # the emailed links are absolute
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto("/reading-mode/large/?next=/newsletters/")
    assert page.locator("html.reading-large").count() == 1
    assert page.locator("h1").inner_text() == "订阅科普简报"
    assert fits_the_phone(page)
    assert serious_violations(page) == []

    page.get_by_label("电子邮箱").fill("reader@example.cn")
    page.get_by_label("老年人").check()
    page.get_by_label("赛罕区").check()
    page.get_by_label("每月").check()
    page.get_by_label("同时接收所选地区的应急预警").check()
    page.get_by_role("button", name="同意并订阅").click()

    assert page.locator("h1").inner_text() == "请查收确认邮件"
    assert serious_violations(page) == []
    (message,) = mail_server.wait_for(1)
    (link,) = set(links_in(message))
    assert Subscriber.objects.get().status == Status.PENDING

    page.goto(link)
    assert Subscriber.objects.get().status == Status.PENDING  # opening the link is not enough
    assert fits_the_phone(page)
    assert serious_violations(page) == []
    page.get_by_role("button", name="确认订阅").click()
    assert page.locator("h1").inner_text() == "订阅成功"
    assert Subscriber.objects.get().status == Status.CONFIRMED

    page.get_by_role("link", name="修改订阅偏好").click()
    assert page.locator("h1").inner_text() == "订阅偏好"
    assert page.get_by_label("老年人").is_checked()
    assert page.get_by_label("每月").is_checked()
    assert fits_the_phone(page)
    assert serious_violations(page) == []
    page.get_by_label("防范电信诈骗").check()
    page.get_by_label("每周").check()
    page.get_by_role("button", name="保存偏好").click()

    assert page.get_by_role("status").inner_text().startswith("已保存")
    subscriber = Subscriber.objects.get()
    assert subscriber.cadence == "weekly"
    assert [tag.slug for tag in subscriber.topics.all()] == ["防范电信诈骗"]
    assert serious_violations(page) == []
    assert page.console_errors == []


def test_the_compact_form_on_the_home_page(browser_page, mail_server):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto("/")
    form = page.locator(".newsletter-compact")
    form.get_by_label("电子邮箱").fill("home@example.cn")
    form.get_by_label("每月").check()
    assert fits_the_phone(page)
    assert serious_violations(page) == []

    form.get_by_role("button", name="同意并订阅").click()

    assert page.locator("h1").inner_text() == "请查收确认邮件"
    assert mail_server.wait_for(1)[0].recipients == ["home@example.cn"]
    assert Subscriber.objects.get().cadence == "monthly"
    assert page.console_errors == []
