"""The science review holds on the server: nothing goes live without both steps, the public
sees the same set of pages everywhere, and nobody approves their own work.

Every admin request here is a forged POST straight to Wagtail's real admin views, as a
hand-made request (not a hidden button) would be.
"""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, PageLogEntry, TaskState

from content.models import ArticlePage, ReviewClearance
from content.review import PublishRefused
from home.models import User
from screens.provisioning import provision
from search.catalogue import get_catalogue
from tests.content.factories import ArticlePageFactory, content_section
from tests.content.test_admin import taxonomy

pytestmark = pytest.mark.django_db

REVIEW_REFUSED_STATUS = 403


def make_user(username, group=None, *, first="", last="", organisation="", superuser=False):
    maker = User.objects.create_superuser if superuser else User.objects.create_user
    user = maker(
        username,
        password="pw",
        first_name=first,
        last_name=last,
        organisation=organisation,
        **({"email": ""} if superuser else {}),
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def people(site_tree):
    return {
        "editor": make_user("editor", "编辑", first="红", last="王"),
        "chief": make_user("chief", "编辑", first="强", last="赵"),
        "expert": make_user(
            "expert", "科学审核专家", first="敏", last="李", organisation="内蒙古农业大学"
        ),
        "expert2": make_user("expert2", "科学审核专家", first="军", last="张"),
        "admin": make_user("boss", first="总", last="管", superuser=True),
    }


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def draft_article(author, title="冬季取暖防范一氧化碳中毒", slug="co"):
    """An article created in the admin by ``author`` and saved as a draft."""
    data = taxonomy(title=title, slug=slug)
    url = reverse("wagtailadmin_pages:add", args=["content", "articlepage", content_section().pk])
    response = client_for(author).post(url, data)
    assert response.status_code == 302
    return ArticlePage.objects.get(slug=slug)


def submit(author, page):
    data = taxonomy(title=page.get_latest_revision_as_object().title, slug=page.slug)
    data["action-submit"] = "submit"
    response = client_for(author).post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302
    page.refresh_from_db()
    return page.current_workflow_state


def approve(user, page):
    """A forged POST to the workflow action URL, as the approve button sends it."""
    task_state = page.current_workflow_state.current_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk])
    return client_for(user).post(url, {"comment": ""})


def reviewed_through_the_workflow(people, slug="co"):
    page = draft_article(people["editor"], slug=slug)
    submit(people["editor"], page)
    assert approve(people["chief"], page).status_code == 302
    assert approve(people["expert"], page).status_code == 302
    page.refresh_from_db()
    assert page.live
    return page


# 1. Nobody publishes content without both review steps


@pytest.mark.parametrize("who", ["expert", "admin"])
def test_clicking_publish_on_new_content_saves_a_draft_and_says_why(people, who):
    data = taxonomy(title="未经审核的文章", slug="direct")
    data["action-publish"] = "publish"
    url = reverse("wagtailadmin_pages:add", args=["content", "articlepage", content_section().pk])

    response = client_for(people[who]).post(url, data, follow=True)

    page = ArticlePage.objects.get(slug="direct")
    assert not page.live
    assert page.get_latest_revision() is not None  # the work is kept, as a draft
    assert "须经编辑初审和专家科学性审核后才能发布" in response.content.decode()


@pytest.mark.parametrize("who", ["expert", "admin"])
def test_a_forged_publish_of_an_edit_leaves_the_live_page_as_it_was(people, who):
    page = reviewed_through_the_workflow(people)
    data = taxonomy(title="改过的标题", slug=page.slug)
    data["action-publish"] = "publish"

    client_for(people[who]).post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)

    page.refresh_from_db()
    assert page.title == "冬季取暖防范一氧化碳中毒"
    assert page.get_latest_revision_as_object().title == "改过的标题"
    assert Client().get(page.url).content.decode().count("改过的标题") == 0


def test_revert_and_publish_does_not_publish(people):
    page = reviewed_through_the_workflow(people)
    old_revision = page.live_revision
    edited = taxonomy(title="第二版", slug=page.slug)
    client_for(people["editor"]).post(reverse("wagtailadmin_pages:edit", args=[page.pk]), edited)
    data = taxonomy(title="第二版", slug=page.slug)
    data["action-publish"] = "publish"
    url = reverse("wagtailadmin_pages:revisions_revert", args=[page.pk, old_revision.pk])

    client_for(people["admin"]).post(url, data)

    page.refresh_from_db()
    assert page.live_revision_id == old_revision.pk


def test_bulk_publish_does_not_publish(people):
    page = draft_article(people["editor"])
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])

    client_for(people["admin"]).post(f"{url}?id={page.pk}", {"include_descendants": "on"})

    page.refresh_from_db()
    assert not page.live


def test_a_copy_is_never_published_and_carries_no_review_record(people):
    page = reviewed_through_the_workflow(people)
    url = reverse("wagtailadmin_pages:copy", args=[page.pk])
    data = {"new_title": "复制", "new_slug": "copied", "new_parent_page": content_section().pk}
    admin = client_for(people["admin"])

    response = admin.post(url, {**data, "publish_copies": "on"})
    assert response.status_code == 200  # the form refuses to publish the copy
    assert not ArticlePage.objects.filter(slug="copied").exists()

    admin.post(url, data)
    copy = ArticlePage.objects.get(slug="copied")
    assert (copy.live, copy.reviewed_by) == (False, "")

    # Copied in code, asking to keep it live: a draft all the same.
    kept = page.copy(update_attrs={"title": "又一份", "slug": "kept"}, keep_live=True)
    assert (kept.live, kept.specific.reviewed_by) == (False, "")
    assert Client().get("/kepu/kept/").status_code == 404


def test_every_publish_without_a_clearance_is_refused_at_the_model(people):
    """The backstop for any path that skips Wagtail's permission checks."""
    page = draft_article(people["editor"])
    revision = page.get_latest_revision()
    with pytest.raises(PublishRefused):
        revision.publish(user=people["admin"], skip_permission_checks=True)
    with pytest.raises(PublishRefused):
        revision.publish()  # as publish_scheduled or a shell would
    page.refresh_from_db()
    assert not page.live


def test_unpublishing_stays_allowed(people):
    page = reviewed_through_the_workflow(people)
    url = reverse("wagtailadmin_pages:unpublish", args=[page.pk])

    client_for(people["expert"]).post(url)

    page.refresh_from_db()
    assert not page.live


def test_an_approved_revision_with_a_go_live_time_is_published_by_publish_scheduled(people):
    page = draft_article(people["editor"])
    data = taxonomy(title=page.title, slug=page.slug)
    in_an_hour = timezone.localtime() + datetime.timedelta(hours=1)
    data["go_live_at"] = in_an_hour.strftime("%Y-%m-%d %H:%M")
    data["action-submit"] = "submit"
    client_for(people["editor"]).post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    page.refresh_from_db()
    approve(people["chief"], page)
    approve(people["expert"], page)
    page.refresh_from_db()
    assert not page.live
    revision = page.get_latest_revision()
    assert revision.approved_go_live_at is not None

    # An hour later: the go-live time has passed.
    past = timezone.now() - datetime.timedelta(minutes=1)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save(update_fields=["content", "approved_go_live_at"])
    call_command("publish_scheduled")

    page.refresh_from_db()
    assert page.live
    assert page.reviewed_by == "李敏"


def test_the_importer_publishes_only_through_its_recorded_trusted_path(people, tmp_path):
    line = (
        '{"source": "自治区科协知识库", "external_id": "k1", "type": "article", '
        '"title": "导入的文章", "summary": "摘要", "audiences": ["elderly"], '
        '"regions": ["150105"], "topics": ["应急避险"]}'
    )
    export = tmp_path / "export.jsonl"
    export.write_text(line + "\n", encoding="utf-8")

    call_command("import_content", str(export))

    page = ArticlePage.objects.get(external_id="k1")
    assert page.live
    assert page.reviewed_by == "自治区科协知识库（导入）"
    clearance = ReviewClearance.objects.get(revision=page.live_revision)
    assert clearance.route == ReviewClearance.IMPORT


# Emergency bypass


def test_the_emergency_bypass_needs_its_own_permission(people):
    page = draft_article(people["editor"])
    url = reverse("content_emergency_publish", args=[page.pk])

    response = client_for(people["expert"]).post(url, {"reason": "暴雨红色预警"})

    assert response.status_code in (302, 403)
    page.refresh_from_db()
    assert not page.live


def test_the_emergency_bypass_is_logged_and_every_surface_says_so(people):
    page = draft_article(people["editor"], title="暴雨避险要点", slug="rain")
    expert = people["expert"]
    expert.user_permissions.add(Permission.objects.get(codename="emergency_publish"))
    url = reverse("content_emergency_publish", args=[page.pk])
    edit_page = client_for(expert).get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert url in edit_page.content.decode()  # offered in the page's header menu
    assert client_for(expert).get(url).status_code == 200
    assert client_for(expert).post(url, {"reason": ""}).status_code == 200  # a reason is required
    page.refresh_from_db()
    assert not page.live

    response = client_for(expert).post(url, {"reason": "暴雨红色预警，须立即发布"})

    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live
    label = "未经科学性审核（紧急发布：李敏）"
    entry = PageLogEntry.objects.get(page=page, action="content.emergency_publish")
    assert entry.user_id == expert.pk
    assert entry.data["reason"] == "暴雨红色预警，须立即发布"
    assert ReviewClearance.objects.get(revision=page.live_revision).route == "emergency"

    cache.clear()
    assert label in Client().get(page.url).content.decode()
    assert label in Client().get("/kepu/").content.decode()
    assert label in Client().get("/feeds/rss/").content.decode()
    assert Client().get(f"/api/v1/content/{page.pk}").json()["review"]["label"] == label
    _screen, token = provision("中山路广场屏", "150105", "square")
    manifest = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/screens/manifest")
    items = {item["page_id"]: item for item in manifest.json()["items"].values()}
    assert items[page.pk]["review"] == label
    assert items[page.pk]["unreviewed"] is True


# 2. One predicate for "public"


def surfaces_listing(page):
    """Where ``page`` appears, surface by surface."""
    cache.clear()
    client = Client()
    _screen, token = provision(f"屏{page.pk}", "150105", "square")
    manifest = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/screens/manifest")
    api_ids = [item["id"] for item in client.get("/api/v1/content").json()["results"]]
    search_ids = [item["id"] for item in client.get("/api/v1/search?q=取暖").json()["results"]]
    return {
        "page": client.get(page.url).status_code == 200,
        "listing": page.title in client.get("/kepu/").content.decode(),
        "home": page.title in client.get("/").content.decode(),
        "search page": page.url in client.get("/search/?q=取暖").content.decode(),
        "search api": page.pk in search_ids,
        "rss": page.title in client.get("/feeds/rss/").content.decode(),
        "atom": page.title in client.get("/feeds/atom/").content.decode(),
        "json feed": page.title in client.get("/feeds/json/").content.decode(),
        "api list": page.pk in api_ids,
        "api detail": client.get(f"/api/v1/content/{page.pk}").status_code == 200,
        "screens": any(item["page_id"] == page.pk for item in manifest.json()["items"].values()),
        "catalogue": page.pk in get_catalogue().allowed_ids(),
    }


def test_a_page_published_around_the_review_is_absent_from_every_surface(site_tree):
    # As a page published directly before the review was enforced is left: live, no record.
    page = ArticlePageFactory(title="冬季取暖小常识", reviewed_by="", review_organisation="")
    assert page.live

    seen = surfaces_listing(page)

    assert not any(seen.values()), seen


def test_a_reviewed_page_is_present_on_every_surface(site_tree):
    page = ArticlePageFactory(title="冬季取暖小常识")

    seen = surfaces_listing(page)

    assert all(seen.values()), seen


# 3. Separation of duties


def assert_refused(response, reason):
    assert response.status_code == REVIEW_REFUSED_STATUS
    assert reason in response.content.decode()


def test_nobody_approves_their_own_submission(people):
    page = draft_article(people["chief"])
    state = submit(people["chief"], page)

    assert_refused(approve(people["chief"], page), "不能审核自己提交的内容")

    state.refresh_from_db()
    assert state.current_task_state.status == TaskState.STATUS_IN_PROGRESS


def test_nobody_approves_content_whose_latest_revision_they_wrote(people):
    page = draft_article(people["editor"])
    submit(people["editor"], page)
    approve(people["chief"], page)
    # The expert edits the text during review, then tries to approve it.
    data = taxonomy(title="专家改过的标题", slug=page.slug)
    client_for(people["expert"]).post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)

    assert_refused(approve(people["expert"], page), "不能审核自己最后修改的内容")
    page.refresh_from_db()
    assert not page.live
    # Another expert may.
    assert approve(people["expert2"], page).status_code == 302
    page.refresh_from_db()
    assert page.live


def test_approving_through_the_edit_view_is_refused_too(people):
    page = draft_article(people["editor"])
    state = submit(people["editor"], page)
    data = taxonomy(title="冬季取暖防范一氧化碳中毒", slug=page.slug)
    data.update({"action-workflow-action": "true", "workflow-action-name": "approve"})

    response = client_for(people["editor"]).post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]), data
    )

    assert_refused(response, "不能审核自己提交的内容")
    state.refresh_from_db()
    assert state.current_task_state.status == TaskState.STATUS_IN_PROGRESS


def test_the_two_steps_are_approved_by_two_different_people(people):
    page = draft_article(people["editor"])
    submit(people["editor"], page)
    assert approve(people["admin"], page).status_code == 302

    assert_refused(approve(people["admin"], page), "两个审核步骤须由两位不同的人完成")
    page.refresh_from_db()
    assert not page.live


def test_an_expert_without_a_real_name_must_fill_in_their_profile(people):
    nameless = make_user("nameless", "科学审核专家", organisation="内蒙古大学")
    page = draft_article(people["editor"])
    submit(people["editor"], page)
    approve(people["chief"], page)

    assert_refused(approve(nameless, page), "请先在“账户设置”中填写姓名")
    page.refresh_from_db()
    assert not page.live

    nameless.first_name, nameless.last_name = "华", "刘"
    nameless.save()
    assert approve(nameless, page).status_code == 302
    page.refresh_from_db()
    assert page.live
    assert (page.reviewed_by, page.review_organisation) == ("刘华", "内蒙古大学")
    html = Client().get(page.url).content.decode()
    assert "刘华" in html and "内蒙古大学" in html and "nameless" not in html


def test_the_review_record_is_the_experts_name_and_unit(people):
    page = reviewed_through_the_workflow(people)

    assert (page.reviewed_by, page.review_organisation) == ("李敏", "内蒙古农业大学")
    clearance = ReviewClearance.objects.get(revision=page.live_revision)
    assert (clearance.route, clearance.user_id) == ("workflow", people["expert"].pk)
    assert Page.objects.get(pk=page.pk).live
