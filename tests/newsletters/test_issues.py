"""Editor-composed issues in the admin: public content only, a segment by audience, topic and
region, preview, a test send to oneself, sending once, and the figures per issue."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from content.models import Audience, Region
from newsletters import issues, sending
from newsletters.ledger import Delivery, Issue
from newsletters.suppression import suppress
from tests.content.factories import ArticlePageFactory

from .ledger import subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser(
        "editor", "editor@example.cn", "pw", first_name="芳", last_name="王"
    )


@pytest.fixture
def issue(site_tree, taxonomy):
    public = ArticlePageFactory(title="冬季取暖防一氧化碳中毒")
    issue = Issue.objects.create(subject="科普简报 · 冬季安全特刊", intro="天冷了，注意取暖安全。")
    issue.items.set([public, ArticlePageFactory(title="尚未审核的稿件", reviewed_by="")])
    issue.audiences.set(Audience.objects.filter(slug="elderly"))
    issue.regions.set(Region.objects.filter(code="150102"))
    return issue


@pytest.fixture
def people(taxonomy):
    return {
        "elderly_xincheng": subscriber("a@example.cn", audiences=["elderly"], regions=["150102"]),
        "elderly_city": subscriber("b@example.cn", audiences=["elderly"], regions=["150100"]),
        "anyone": subscriber("c@example.cn"),
        "youth": subscriber("d@example.cn", audiences=["youth"]),
        "elderly_wuchuan": subscriber("e@example.cn", audiences=["elderly"], regions=["150125"]),
    }


def test_segment_by_audience_and_region(issue, people):
    assert {p.email for p in issues.segment(issue)} == {
        "a@example.cn",
        "b@example.cn",
        "c@example.cn",
    }


def test_the_form_offers_only_public_content(issue, editor, client):
    client.force_login(editor)
    page = client.get("/admin/newsletters_issues/new/").content.decode()
    assert "冬季取暖防一氧化碳中毒" in page
    assert "尚未审核的稿件" not in page


def test_preview_test_send_and_send_once_with_figures(
    issue, people, editor, client, mail_server, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    detail = f"/admin/newsletters/issues/{issue.pk}/view/"

    assert "将发给 3 位订阅者" in client.get(detail).content.decode()
    preview = client.get(f"/admin/newsletters/issues/{issue.pk}/preview/").content.decode()
    assert "冬季取暖防一氧化碳中毒" in preview and "天冷了" in preview
    assert "尚未审核的稿件" not in preview

    client.post(f"/admin/newsletters/issues/{issue.pk}/test/")
    (test_message,) = mail_server.wait_for(1)
    assert test_message.recipients == ["editor@example.cn"]
    assert test_message.message["Subject"].strip() == "[测试] 科普简报 · 冬季安全特刊"

    suppress("c@example.cn", "unsubscribed")  # after the count above: skipped at sending
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/newsletters/issues/{issue.pk}/send/")
        client.post(f"/admin/newsletters/issues/{issue.pk}/send/")  # a second press: nothing

    mail_server.wait_for(3)
    assert {m.recipients[0] for m in mail_server.messages[1:]} == {"a@example.cn", "b@example.cn"}
    subscriber_a = people["elderly_xincheng"]
    subscriber_a.status = "unsubscribed"
    subscriber_a.save()
    issue.refresh_from_db()
    assert issues.figures(issue) == {
        "queued": 0, "sent": 2, "failed": 0, "suppressed": 0, "unsubscribed": 1,
    }  # fmt: skip
    page = client.get(detail).content.decode()
    assert "已发送" in page and "已退订" in page
    listing = client.get("/admin/newsletters_issues/").content.decode()
    assert "科普简报 · 冬季安全特刊" in listing


def test_a_scheduled_issue_goes_out_at_its_time(issue, people, mail_server):
    issue.send_at = timezone.now() + datetime.timedelta(hours=1)
    issue.save()
    assert issues.send_scheduled() is None

    issue.send_at = timezone.now() - datetime.timedelta(minutes=1)
    issue.save()
    assert issues.send_scheduled() == f"#{issue.pk}: 3 queued"
    assert issues.send_scheduled() is None
    sending.send_until_idle()
    assert Delivery.objects.filter(status="sent").count() == 3


def test_every_issue_admin_page_is_in_chinese(issue, editor, client):
    from tests.alerts.test_admin import english_on

    client.force_login(editor)
    for address in (
        "/admin/newsletters_issues/",
        "/admin/newsletters_issues/new/",
        f"/admin/newsletters_issues/edit/{issue.pk}/",
        f"/admin/newsletters/issues/{issue.pk}/view/",
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        assert english_on(response.content.decode()) == [], address
