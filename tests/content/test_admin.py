"""Editors create every content type in the admin, and the science review gates publishing."""

import json

from django.contrib.auth.models import Group
from django.urls import reverse
from taggit.models import Tag
from wagtail.models import Page, Workflow
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

from content.models import (
    ArticlePage,
    Audience,
    ComicPage,
    ContentPageTag,
    EmergencyGuidePage,
    Region,
    VideoPage,
)
from home.models import User
from tests.content.factories import (
    ArticlePageFactory,
    ComicPageFactory,
    DocumentFactory,
    EmergencyGuidePageFactory,
    ImageFactory,
    MediaFactory,
    VideoPageFactory,
    content_section,
    emergency_section,
)


def taxonomy(**extra):
    """Admin form data for a content page: nested parts flattened, many-to-many as lists."""
    data = nested_form_data(
        {
            "summary": "摘要",
            "tags": "应急避险, 健康生活",
            "source": "科普青城",
            "external_id": "",
            "body": streamfield([("paragraph", rich_text("<p>正文内容</p>"))]),
            "slug": "",
            **extra,
        }
    )
    data["audiences"] = [Audience.objects.get(slug="elderly").pk]
    data["regions"] = [Region.objects.get(code="150105").pk]
    return data


class PageTypeAdminTests(WagtailPageTestCase):
    def setUp(self):
        self.login()
        self.section = content_section()

    def assertCanCreate(self, parent, child_model, data, **kwargs):
        # Whoever clicks 发布, new content is saved as a draft: only the science review publishes.
        return super().assertCanCreate(parent, child_model, data, publish=False, **kwargs)

    def test_editor_form_creates_an_article(self):
        self.assertCanCreate(
            self.section,
            ArticlePage,
            taxonomy(title="冬季取暖防范一氧化碳中毒", slug="co"),
        )
        page = ArticlePage.objects.get(slug="co")
        self.assertEqual(list(page.audiences.values_list("slug", flat=True)), ["elderly"])
        self.assertEqual(sorted(page.tags.names()), ["健康生活", "应急避险"])

    def test_editor_form_creates_a_video(self):
        data = taxonomy(
            title="沙尘暴来了怎么办",
            slug="dust-video",
            video=MediaFactory().pk,
            captions=DocumentFactory().pk,
            duration=95,
            transcript="关好门窗，减少外出。",
        )
        self.assertCanCreate(self.section, VideoPage, data)
        self.assertEqual(VideoPage.objects.get(slug="dust-video").duration, 95)

    def test_editor_form_creates_a_comic_with_ordered_panels(self):
        first, second = ImageFactory(), ImageFactory()
        data = taxonomy(
            title="奶奶识破诈骗电话",
            slug="comic",
            panels=inline_formset(
                [
                    {"image": first.pk, "alt": "奶奶接电话", "text": "您的账户涉嫌洗钱"},
                    {"image": second.pk, "alt": "奶奶挂断", "text": "我去派出所问问"},
                ]
            ),
        )
        self.assertCanCreate(self.section, ComicPage, data)
        page = ComicPage.objects.get(slug="comic")
        self.assertEqual([panel.alt for panel in page.panels.all()], ["奶奶接电话", "奶奶挂断"])

    def test_editor_form_creates_an_emergency_explainer(self):
        data = taxonomy(
            title="寒潮来临前的准备",
            slug="cold",
            hazard="cold_wave",
            phase="before",
            actions="检查取暖设备\n储备常用药品\n关注天气预报",
        )
        self.assertCanCreate(emergency_section(), EmergencyGuidePage, data)
        page = EmergencyGuidePage.objects.get(slug="cold")
        self.assertEqual(page.action_lines, ["检查取暖设备", "储备常用药品", "关注天气预报"])

    def test_emergency_explainer_needs_three_to_six_short_action_lines(self):
        data = taxonomy(title="雷电", slug="thunder", hazard="thunderstorm", phase="during")
        url = reverse(
            "wagtailadmin_pages:add",
            args=["content", "emergencyguidepage", emergency_section().pk],
        )
        for actions in ["远离高处\n不用手机", "很长" * 20 + "\n二\n三"]:
            response = self.client.post(url, {**data, "actions": actions})
            self.assertEqual(response.status_code, 200)
            self.assertFalse(EmergencyGuidePage.objects.filter(slug="thunder").exists())

    def test_content_types_live_only_in_their_sections(self):
        self.assertCanNotCreateAt(Page, ArticlePage)
        self.assertCanCreateAt(type(emergency_section()), EmergencyGuidePage)
        self.assertCanNotCreateAt(type(emergency_section()), ArticlePage)


class ScienceReviewWorkflowTests(WagtailPageTestCase):
    def setUp(self):
        self.section = content_section()
        self.editor = User.objects.create_user("editor", password="pw")
        self.editor.groups.add(Group.objects.get(name="编辑"))
        self.chief = User.objects.create_user("chief", password="pw")
        self.chief.groups.add(Group.objects.get(name="编辑"))
        self.expert = User.objects.create_user(
            "expert", password="pw", first_name="敏", last_name="李", organisation="内蒙古农业大学"
        )
        self.expert.groups.add(Group.objects.get(name="科学审核专家"))

    def add_url(self):
        return reverse("wagtailadmin_pages:add", args=["content", "articlepage", self.section.pk])

    def test_the_site_uses_the_two_step_science_review(self):
        workflow = self.section.get_workflow()
        self.assertEqual(workflow.name, "科学性审核")
        self.assertEqual([task.name for task in workflow.tasks], ["编辑初审", "专家科学性审核"])
        self.assertEqual(Workflow.objects.filter(active=True).count(), 1)

    def test_an_editor_cannot_publish(self):
        self.client.force_login(self.editor)
        data = taxonomy(title="未经审核", slug="unreviewed")
        data["action-publish"] = "publish"
        self.client.post(self.add_url(), data)
        page = ArticlePage.objects.get(slug="unreviewed")
        self.assertFalse(page.live)

    def test_approval_by_editor_then_expert_publishes_with_the_review_record(self):
        self.client.force_login(self.editor)
        data = taxonomy(title="马铃薯晚疫病防治", slug="potato")
        data["action-submit"] = "submit"
        self.client.post(self.add_url(), data)
        page = ArticlePage.objects.get(slug="potato")
        state = page.current_workflow_state
        self.assertIsNotNone(state)

        # The editor who wrote it may do the first task but not the expert's.
        task = state.current_task_state.task.specific
        self.assertEqual(task.name, "编辑初审")
        task.on_action(state.current_task_state, self.chief, "approve")
        state.refresh_from_db()
        expert_task = state.current_task_state.task.specific
        self.assertEqual(expert_task.name, "专家科学性审核")
        self.assertEqual(expert_task.get_actions(page, self.editor), [])
        page.refresh_from_db()
        self.assertFalse(page.live)

        expert_task.on_action(state.current_task_state, self.expert, "approve")
        page.refresh_from_db()
        self.assertTrue(page.live)
        self.assertEqual(page.reviewed_by, "李敏")
        self.assertEqual(page.review_organisation, "内蒙古农业大学")
        self.assertIsNotNone(page.reviewed_at)


class TaxonomyAdminTests(WagtailPageTestCase):
    def setUp(self):
        self.login()

    def test_taxonomy_listings_open(self):
        for name in ["content_audience:index", "content_region:index", "topics:index"]:
            response = self.client.get(reverse(name))
            self.assertEqual(response.status_code, 200, name)
        self.assertContains(self.client.get(reverse("content_region:index")), "赛罕区")
        self.assertContains(self.client.get(reverse("topics:index")), "防范电信诈骗")

    def test_a_street_is_added_below_its_district(self):
        saihan = Region.objects.get(code="150105")
        response = self.client.post(
            reverse("content_region:add"),
            {"name": "大学路街道", "code": "150105001", "parent": saihan.pk},
        )
        self.assertEqual(response.status_code, 302)
        street = Region.objects.get(code="150105001")
        self.assertEqual(street.get_parent(), saihan)

    def test_merging_topics_keeps_every_page_tagged_once(self):
        both = ArticlePageFactory(topics=["防诈骗", "防范电信诈骗"])
        only_old = ArticlePageFactory(topics=["防诈骗"])
        old = Tag.objects.get(name="防诈骗")
        target = Tag.objects.get(name="防范电信诈骗")
        response = self.client.post(
            reverse("topics:merge"), {"sources": [old.pk], "target": target.pk}
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Tag.objects.filter(pk=old.pk).exists())
        for page in (both, only_old):
            self.assertEqual(
                list(
                    ContentPageTag.objects.filter(content_object=page).values_list(
                        "tag__name", flat=True
                    )
                ),
                ["防范电信诈骗"],
            )

    def test_editors_cannot_merge_topics(self):
        editor = User.objects.create_user("editor", password="pw")
        editor.groups.add(Group.objects.get(name="编辑"))
        self.client.force_login(editor)
        response = self.client.post(reverse("topics:merge"), {})
        self.assertIn(response.status_code, {302, 403})
        self.assertTrue(Tag.objects.filter(name="防范电信诈骗").exists())


class PageEditTests(WagtailPageTestCase):
    """Every content type opens in the editor and an edit is saved as a new draft revision."""

    def setUp(self):
        self.login()

    def type_fields(self, page):
        if isinstance(page, VideoPage):
            return {"video": page.video_id, "captions": page.captions_id, "duration": 30}
        if isinstance(page, ComicPage):
            panels = [
                {"id": panel.pk, "image": panel.image_id, "alt": panel.alt, "text": panel.text}
                for panel in page.panels.all()
            ]
            return nested_form_data({"panels": inline_formset(panels, initial=len(panels))})
        if isinstance(page, EmergencyGuidePage):
            return {"hazard": page.hazard, "phase": page.phase, "actions": page.actions}
        return {}

    def test_each_type_opens_and_saves_in_the_editor(self):
        for factory_class in (
            ArticlePageFactory,
            VideoPageFactory,
            ComicPageFactory,
            EmergencyGuidePageFactory,
        ):
            page = factory_class()
            url = reverse("wagtailadmin_pages:edit", args=[page.pk])
            self.assertEqual(self.client.get(url).status_code, 200, factory_class.__name__)
            new_title = f"{page.title}（修订）"
            data = taxonomy(title=new_title, slug=page.slug)
            data.update(self.type_fields(page))
            response = self.client.post(url, data)
            self.assertEqual(response.status_code, 302, factory_class.__name__)
            page.refresh_from_db()
            self.assertEqual(page.get_latest_revision_as_object().title, new_title)
            self.assertTrue(page.has_unpublished_changes)
            self.assertNotEqual(page.title, new_title, "an edit must not publish by itself")

    def test_control_characters_are_refused_on_the_field_that_holds_them(self):
        bell = "铃声\u0007标题"
        section_url = reverse(
            "wagtailadmin_pages:add", args=["content", "articlepage", content_section().pk]
        )
        response = self.client.post(section_url, taxonomy(title=bell, slug="bell"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "含有不可见的控制字符 U+0007，请删除后再提交")
        self.assertFalse(ArticlePage.objects.filter(slug="bell").exists())

        for factory_class, field in [
            (ArticlePageFactory, "summary"),
            (VideoPageFactory, "transcript"),
            (ComicPageFactory, "panels-0-alt"),
            (EmergencyGuidePageFactory, "body"),
        ]:
            page = factory_class()
            revisions = page.revisions.count()
            data = taxonomy(title=page.title, slug=page.slug)
            data.update(self.type_fields(page))
            if field == "body":
                data.update(
                    nested_form_data(
                        {"body": streamfield([("paragraph", rich_text("<p>响\u001b铃</p>"))])}
                    )
                )
            else:
                data[field] = "响\u001b铃"
            url = reverse("wagtailadmin_pages:edit", args=[page.pk])
            response = self.client.post(url, data)
            self.assertEqual(response.status_code, 200, factory_class.__name__)
            message = "含有不可见的控制字符 U+001B，请删除后再提交"
            if field == "body":  # the stream's errors travel to its script as JSON
                message = json.dumps(message)[1:-1]
            self.assertContains(response, message)
            self.assertEqual(page.revisions.count(), revisions, factory_class.__name__)
