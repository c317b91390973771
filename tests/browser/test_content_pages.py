"""Every public content page in a real Chromium: no console errors, no serious or critical axe
violations, and the behaviour that only a browser can show (captions track, comic reader keys,
large text)."""

import re

import pytest
from wagtail.models import Collection

from content.models import Audience
from tests.browser.conftest import serious_violations
from tests.content.factories import (
    ArticlePageFactory,
    ComicPageFactory,
    EmergencyGuidePageFactory,
    ImageFactory,
    VideoPageFactory,
)


@pytest.fixture
def pages(site_tree):
    # Live-server tests empty every table, including the audiences the migrations seeded.
    Audience.objects.get_or_create(slug="elderly", defaults={"name": "老年人"})
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    cover = ImageFactory()
    return {
        "article": ArticlePageFactory(
            title="冬季防范一氧化碳中毒",
            cover_image=cover,
            audiences=["elderly"],
            topics=["健康生活"],
            body=[
                ("paragraph", "<p>燃煤取暖要通风。</p>"),
                ("key_points", {"heading": "划重点", "points": ["开窗通风", "安装报警器"]}),
                ("quote", {"text": "安全第一。", "source": "消防员"}),
                (
                    "table",
                    {
                        "data": [["症状", "处理"], ["头痛", "开窗"]],
                        "first_row_is_table_header": True,
                        "first_col_is_header": False,
                        "table_caption": "中毒症状",
                    },
                ),
            ],
        ),
        "video": VideoPageFactory(title="沙尘暴防护视频", cover_image=cover, duration=95),
        "comic": ComicPageFactory(
            title="识破电信诈骗", audiences=["elderly"], panels=["你好，我是客服", "别转账！"]
        ),
        "guide": EmergencyGuidePageFactory(title="沙尘暴来了怎么办", cover_image=cover),
    }


def page_paths(pages):
    return {
        "home": "/",
        "listing": "/kepu/?audience=elderly",
        "audience": "/for/elderly/",
        "topic": "/topics/健康生活/",
        "emergency index": "/emergency/",
        "article": pages["article"].url,
        "video": pages["video"].url,
        "comic": pages["comic"].url,
        "emergency guide": pages["guide"].url,
        "print card": pages["guide"].url + "card/",
    }


@pytest.mark.parametrize("mode", ["standard", "large"])
def test_every_public_page_is_clean_in_both_reading_modes(browser_page, live_server, pages, mode):
    if mode == "large":
        browser_page.context.add_cookies(
            [{"name": "kepu_reading", "value": "large", "url": live_server.url}]
        )
    problems = {}
    for name, path in page_paths(pages).items():
        response = browser_page.goto(path)
        assert response.status == 200, name
        browser_page.wait_for_load_state("networkidle")
        violations = serious_violations(browser_page)
        if violations:
            problems[name] = violations
    assert problems == {}
    assert browser_page.console_errors == []


def test_video_loads_its_captions_track(browser_page, pages):
    browser_page.goto(pages["video"].url)
    track = browser_page.locator("video track")
    assert track.get_attribute("kind") == "captions"
    assert track.get_attribute("srclang") == "zh-Hans"
    # A track in "showing" mode is fetched and parsed; readyState 2 means LOADED (3 is ERROR,
    # which is what a wrong MIME type gives).
    browser_page.evaluate("document.querySelector('video').textTracks[0].mode = 'showing'")
    browser_page.wait_for_function(
        "document.querySelector('video track').readyState === 2", timeout=10_000
    )
    cues = browser_page.evaluate("document.querySelector('video').textTracks[0].cues.length")
    assert cues == 1
    assert "沙尘暴来临时如何防护" in browser_page.locator(".transcript").inner_text()


def test_comic_reader_moves_panel_by_panel_with_keys_and_buttons(browser_page, pages):
    browser_page.goto(pages["comic"].url)
    first, second = browser_page.locator(".comic__panel").all()
    assert first.is_visible() and not second.is_visible()
    status = browser_page.locator(".comic__status")
    assert status.inner_text() == "第 1 格，共 2 格"
    browser_page.locator(".comic__panels").focus()
    browser_page.keyboard.press("ArrowRight")
    assert second.is_visible() and not first.is_visible()
    assert status.inner_text() == "第 2 格，共 2 格"
    next_button = browser_page.get_by_role("button", name="下一格")
    assert next_button.get_attribute("aria-disabled") == "true"
    browser_page.keyboard.press("ArrowLeft")
    assert first.is_visible()
    next_button.click()
    assert second.is_visible()
    # Focus stays on the button at the last panel, so the keys keep working.
    next_button.press("Enter")
    assert second.is_visible()
    browser_page.keyboard.press("Home")
    assert first.is_visible()
    assert browser_page.console_errors == []


def test_comic_without_javascript_shows_every_panel_and_its_text(chromium, live_server, pages):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(pages["comic"].url)
    assert page.locator(".comic__panel:visible").count() == 2
    assert "别转账！" in page.locator(".comic").inner_text()
    context.close()


def test_listing_filters_work_without_javascript(chromium, live_server, pages):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/kepu/")
    page.locator("summary", has_text="类型").click()
    page.get_by_label("漫画").check()
    page.get_by_role("button", name="筛选").click()
    assert "type=comic" in page.url
    assert page.locator(".card__title").all_inner_texts() == ["识破电信诈骗"]
    context.close()


def test_large_text_switch_enlarges_a_content_page(browser_page, pages):
    browser_page.goto(pages["article"].url)

    def size(selector):
        return browser_page.evaluate(
            f"parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)"
        )

    standard_body, standard_title = size(".rich-text"), size("h1")
    browser_page.get_by_role("link", name="大字号高对比").click()
    browser_page.wait_for_load_state()
    assert browser_page.locator("html").get_attribute("class") == "reading-large"
    assert size(".rich-text") >= standard_body * 1.2
    assert size("h1") >= standard_title * 1.2


def test_print_card_fits_one_page(browser_page, pages):
    browser_page.goto(pages["guide"].url + "card/")
    browser_page.emulate_media(media="print")
    assert not browser_page.locator(".site-header").is_visible()
    pdf = browser_page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
