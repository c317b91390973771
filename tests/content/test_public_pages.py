"""The public pages of each content type: they render, and show what readers rely on."""

import datetime

import pytest
from django.test import TestCase
from wagtail.models import Site
from wagtail.test.utils import WagtailPageTestCase

from content.models import Hazard
from content.structure import ensure_sections
from home.models import HomePageFeatured
from tests.content.factories import (
    ArticlePageFactory,
    ComicPageFactory,
    DocumentFactory,
    EmergencyGuidePageFactory,
    ImageFactory,
    VideoPageFactory,
)


class PageTypesRenderTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cover = ImageFactory()
        cls.article = ArticlePageFactory(
            title="冬季防范一氧化碳中毒",
            cover_image=cls.cover,
            audiences=["elderly"],
            topics=["健康生活"],
            regions=["150102"],
            body=[
                ("paragraph", "<p>燃煤取暖要通风。</p>"),
                ("key_points", {"heading": "划重点", "points": ["开窗通风", "安装报警器"]}),
                ("quote", {"text": "安全第一。", "source": "消防员"}),
                (
                    "image",
                    {
                        "image": {"image": cls.cover, "alt_text": "炉子", "decorative": False},
                        "caption": "正确安装烟囱",
                    },
                ),
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
        )
        cls.video = VideoPageFactory(title="沙尘暴防护视频", duration=95)
        cls.comic = ComicPageFactory(title="识破电信诈骗", panels=["你好，我是客服", "别转账！"])
        cls.guide = EmergencyGuidePageFactory(title="沙尘暴来了怎么办")

    def test_every_page_type_renders(self):
        content_index, emergency_index = ensure_sections()
        for page in [
            self.article,
            self.video,
            self.comic,
            self.guide,
            content_index,
            emergency_index,
            Site.objects.get(is_default_site=True).root_page.specific,
        ]:
            with self.subTest(page=page.title):
                self.assertPageIsRenderable(page)

    def test_article_shows_every_block_and_the_review_record(self):
        html = self.client.get(self.article.url).content.decode()
        for text in ["燃煤取暖要通风。", "安装报警器", "—— 消防员", "正确安装烟囱", "中毒症状"]:
            self.assertIn(text, html)
        self.assertIn('alt="炉子"', html)
        self.assertIn("王研究员", html)
        self.assertIn("内蒙古大学", html)
        self.assertIn("2026年5月1日", html)
        self.assertIn('href="/for/elderly/"', html)
        self.assertIn("新城区", html)

    def test_review_record_is_on_every_content_page(self):
        for page in [self.article, self.video, self.comic, self.guide]:
            with self.subTest(page=page.title):
                response = self.client.get(page.url)
                self.assertContains(response, "科学性审核")
                self.assertContains(response, "王研究员")

    def test_responsive_webp_images_and_open_graph(self):
        html = self.client.get(self.article.url).content.decode()
        self.assertIn('type="image/webp"', html)
        self.assertIn("srcset=", html)
        self.assertIn('<meta property="og:title" content="冬季防范一氧化碳中毒">', html)
        self.assertIn('<meta property="og:type" content="article">', html)
        self.assertIn('property="og:image" content="http://', html)

    def test_breadcrumbs_lead_home_through_the_section(self):
        html = self.client.get(self.article.url).content.decode()
        self.assertIn('aria-label="当前位置"', html)
        self.assertIn('<a href="/kepu/">科普资源</a>', html)
        self.assertIn('<span aria-current="page">冬季防范一氧化碳中毒</span>', html)

    def test_video_has_a_same_origin_player_with_captions_and_transcript(self):
        response = self.client.get(self.video.url)
        html = response.content.decode()
        self.assertIn("<video", html)
        self.assertIn(f'<source src="{self.video.video.url}" type="video/mp4">', html)
        self.assertIn(f'<track kind="captions" src="{self.video.captions.url}"', html)
        self.assertTrue(self.video.captions.url.startswith("/documents/"))
        self.assertIn("大家好，今天讲沙尘暴来临时如何防护。", html)
        self.assertIn("1分35秒", html)
        self.assertNotIn("<iframe", html)

    def test_captions_are_served_as_text_vtt_inline(self):
        response = self.client.get(self.video.captions.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/vtt")
        self.assertNotIn("attachment", response.get("Content-Disposition", ""))
        body = b"".join(response.streaming_content)
        self.assertTrue(body.startswith(b"WEBVTT"))

    def test_comic_dialogue_and_descriptions_are_text_on_the_page(self):
        html = self.client.get(self.comic.url).content.decode()
        self.assertIn("你好，我是客服", html)
        self.assertIn("别转账！", html)
        self.assertIn('alt="第1格画面"', html)
        self.assertIn('id="panel-2"', html)
        self.assertIn("js/comic-reader", html)

    def test_emergency_guide_lists_actions_and_links_its_print_card(self):
        html = self.client.get(self.guide.url).content.decode()
        self.assertIn("沙尘暴 · 应对", html)
        self.assertIn("<li>外出戴口罩</li>", html)
        self.assertIn(f'href="{self.guide.url}card/"', html)

    def test_print_card_is_one_page_of_action_lines(self):
        response = self.client.get(f"{self.guide.url}card/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('class="notice-card"', html)
        self.assertIn("<li>关好门窗</li>", html)
        self.assertIn("王研究员", html)
        self.assertIn('<meta name="robots" content="noindex">', html)

    def test_draft_pages_are_not_served(self):
        draft = ArticlePageFactory(live=False)
        self.assertEqual(self.client.get(f"/kepu/{draft.slug}/").status_code, 404)


class CaptionMimeTests(TestCase):
    def test_any_vtt_document_is_text_vtt(self):
        document = DocumentFactory()
        self.assertEqual(document.content_type, "text/vtt")


@pytest.mark.django_db
def test_emergency_index_groups_guides_by_hazard(client, site_tree):
    EmergencyGuidePageFactory(title="地震时就近躲避", hazard=Hazard.EARTHQUAKE, phase="during")
    EmergencyGuidePageFactory(title="沙尘暴前关好门窗", hazard=Hazard.SANDSTORM, phase="before")
    EmergencyGuidePageFactory(title="沙尘暴后清洁", hazard=Hazard.SANDSTORM, phase="after")
    html = client.get("/emergency/").content.decode()
    earthquake = html.index('id="hazard-earthquake-heading"')
    sandstorm = html.index('id="hazard-sandstorm-heading"')
    assert earthquake < html.index("地震时就近躲避") < sandstorm
    assert sandstorm < html.index("沙尘暴前关好门窗") < html.index("沙尘暴后清洁")
    assert "hazard-flood" not in html


@pytest.mark.django_db
def test_home_shows_newest_audiences_emergency_and_editors_picks(client, site_tree):
    old = ArticlePageFactory(
        title="老文章",
        audiences=["farmers"],
        first_published_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
    )
    elderly = ArticlePageFactory(title="老年人防诈骗", audiences=["elderly"])
    guide = EmergencyGuidePageFactory(title="暴雪出行提示", hazard="blizzard")
    HomePageFeatured.objects.create(home=site_tree, page=old, sort_order=0)
    html = client.get("/").content.decode()
    featured = html.index('id="featured-heading"')
    newest = html.index('id="newest-heading"')
    audiences = html.index('id="audiences-heading"')
    emergency = html.index('id="emergency-heading"')
    assert featured < html.index("老文章") < newest
    assert newest < html.index("暴雪出行提示") < html.index("老年人防诈骗") < audiences
    # Each audience shows its own newest entry, and links to its landing page.
    section = html[audiences:emergency]
    assert 'href="/for/elderly/"' in section
    assert "老年人防诈骗" in section and "老文章" in section
    assert section.count('class="audience-list__item"') == 6
    assert guide.title in html[emergency:]
    assert 'href="/emergency/"' in html[emergency:]
    assert elderly.title in html


@pytest.mark.django_db
def test_editors_pick_that_was_unpublished_is_left_out(client, site_tree):
    pick = ArticlePageFactory(title="已撤下的推荐")
    HomePageFeatured.objects.create(home=site_tree, page=pick, sort_order=0)
    pick.unpublish()
    html = client.get("/").content.decode()
    assert "已撤下的推荐" not in html
    assert 'id="featured-heading"' not in html
