"""The public "大家在搜" list: a threshold of searches per week, and queries editors hide
(point 17 of issue 12)."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings

from search import querylog
from search.models import HiddenQuery

pytestmark = pytest.mark.django_db

HIDE_URL = "/admin/search-insights/visibility/"


def search(times, query, *, today=None, results=3):
    for _ in range(times):
        querylog.record_search(query, results, today=today)


def public_list(client):
    """What a visitor sees under 大家在搜 after a search that found nothing."""
    html = client.get("/search/", {"q": "完全没有的词"}).content.decode()
    if "大家在搜" not in html:
        return []
    return [
        row["query"] for row in client.get("/search/", {"q": "完全没有的词"}).context["popular"]
    ]


def test_a_query_needs_the_threshold_within_one_week(client, site_tree):
    search(2, "某人的名字")
    search(4, "沙尘暴")
    assert public_list(client) == []
    search(1, "沙尘暴")
    assert public_list(client) == ["沙尘暴"]
    # Spread over two weeks, 3 + 3 searches are not 5 in a week.
    last_week = datetime.date.today() - datetime.timedelta(weeks=1)
    search(3, "冰雹", today=last_week)
    search(3, "冰雹")
    assert "冰雹" not in public_list(client)
    with override_settings(POPULAR_SEARCH_MIN_COUNT=2):
        assert public_list(client) == ["冰雹", "沙尘暴", "某人的名字"]


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("bianji", password="x", first_name="李编辑")
    user.groups.add(Group.objects.get(name="编辑"))
    return user


@pytest.fixture
def expert(django_user_model):
    user = django_user_model.objects.create_user("zhuanjia", password="x")
    user.groups.add(Group.objects.get(name="科学审核专家"))
    return user


def test_an_editor_hides_a_query_from_the_public_list(client, site_tree, editor):
    search(6, "不宜公开的词")
    search(5, "沙尘暴")
    assert public_list(client) == ["不宜公开的词", "沙尘暴"]
    staff = Client()
    staff.force_login(editor)
    report = staff.get("/admin/search-insights/").content.decode()
    assert "隐藏" in report and f'action="{HIDE_URL}"' in report
    response = staff.post(HIDE_URL, {"query": " 不宜公开的词 ", "action": "hide"})
    assert response.status_code == 302
    assert HiddenQuery.objects.get().hidden_by == editor
    assert public_list(client) == ["沙尘暴"]
    report = staff.get("/admin/search-insights/").content.decode()
    assert "已隐藏" in report and "李编辑" in report  # still in the report, marked
    staff.post(HIDE_URL, {"query": "不宜公开的词", "action": "show"})
    assert public_list(client) == ["不宜公开的词", "沙尘暴"]


def refused(response):
    """Wagtail's permission_denied: back to the dashboard with a message, nothing done."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_forged_requests_cannot_hide_or_show_queries(client, site_tree, expert, editor):
    search(5, "沙尘暴")
    # Not signed in: to the login page, nothing changes.
    response = client.post(HIDE_URL, {"query": "沙尘暴", "action": "hide"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # An expert may read the report but not curate the public list.
    other = Client()
    other.force_login(expert)
    assert other.get("/admin/search-insights/").status_code == 200
    assert "隐藏</button>" not in other.get("/admin/search-insights/").content.decode()
    assert refused(other.post(HIDE_URL, {"query": "沙尘暴", "action": "hide"}))
    assert not HiddenQuery.objects.exists()
    HiddenQuery.objects.create(query="沙尘暴")
    assert refused(other.post(HIDE_URL, {"query": "沙尘暴", "action": "show"}))
    assert HiddenQuery.objects.filter(query="沙尘暴").exists()
    # An editor, but without the CSRF token a page of ours would have sent.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(HIDE_URL, {"query": "沙尘暴", "action": "show"}).status_code == 403
    assert HiddenQuery.objects.filter(query="沙尘暴").exists()
    # Only POST changes anything; an unknown action is refused.
    assert strict.get(HIDE_URL, {"query": "沙尘暴", "action": "show"}).status_code == 405
    editor_client = Client()
    editor_client.force_login(editor)
    assert refused(editor_client.post(HIDE_URL, {"query": "x", "action": "delete"}))
    assert list(HiddenQuery.objects.values_list("query", flat=True)) == ["沙尘暴"]
