"""The alerts admin (menu 应急预警): composing, editing drafts, the two-person rule through the
admin's buttons, forged requests refused on the server, the audit history, the operator
console, and pages without English on them."""

import datetime
import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from alerts import issuing
from alerts.models import Alert, AlertAck, MsgType, Stage, Status
from content.models import Region
from screens.models import Screen
from screens.provisioning import provision
from tests.content.factories import EmergencyGuidePageFactory

from .factories import COLD_WAVE_LINES, issue, make_alert, make_person

pytestmark = pytest.mark.django_db

ADMIN = "/admin/alerts_alert/"
FORM_TIME = "%Y-%m-%d %H:%M"


def url(step, alert):
    return reverse(f"alerts_alert:{step}", args=[alert.pk])


def with_permissions(username, *codenames):
    """An admin user outside 应急发布审核 holding only the permissions named."""
    user = make_person(username, confirmer=False, last_name="周", first_name="明")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["access_admin", *codenames]))
    return user


@pytest.fixture
def editor(db):
    """Has the admin, but no permission on alerts."""
    return with_permissions("editor")


@pytest.fixture
def composer(db):
    """May compose and submit, but not confirm or cancel."""
    return with_permissions("composer", "add_alert")


def form_data(**overrides):
    now = timezone.localtime()
    data = {
        "status": Status.ACTUAL,
        "category": "Met",
        "event": "寒潮蓝色预警",
        "severity": "Minor",
        "urgency": "Expected",
        "certainty": "Likely",
        "headline": "呼和浩特市气象台发布寒潮蓝色预警",
        "description": "受强冷空气影响，未来48小时我市气温将下降8℃以上。",
        "onset": now.strftime(FORM_TIME),
        "expires": (now + datetime.timedelta(hours=6)).strftime(FORM_TIME),
        "areas": [Region.objects.get(code="150105").pk],
        "area_desc": "赛罕区",
        "instruction": COLD_WAVE_LINES,
        "sender_name": "呼和浩特市气象台",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def log_actions(alert):
    return list(
        ModelLogEntry.objects.filter(object_id=str(alert.pk))
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    )


def refused_to_admin_home(response):
    return response.status_code in (302, 403) and (
        response.status_code == 403 or response["Location"] == "/admin/"
    )


# --- who sees it ---------------------------------------------------------------------------


def menu_labels(client):
    html = client.get("/admin/").content.decode()
    props = re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S)
    return json.dumps(json.loads(props.group(1)), ensure_ascii=False)


def test_the_menu_and_list_are_for_people_with_an_alerts_permission(client, drafter, editor):
    alert = make_alert(created_by=drafter)
    client.force_login(drafter)
    assert "应急预警" in menu_labels(client)
    page = client.get(ADMIN)
    assert page.status_code == 200
    html = page.content.decode()
    assert alert.headline in html and "草稿" in html and "赛罕区" not in html
    assert "呼和浩特市" in html and "王芳" in html

    client.force_login(editor)
    assert "应急预警" not in menu_labels(client)
    for address in (ADMIN, url("inspect", alert), url("console", alert), f"{ADMIN}new/"):
        assert refused_to_admin_home(client.get(address)), address


def test_the_list_filters_by_stage_and_labels_exercises(client, drafter, confirmer):
    draft = make_alert(created_by=drafter, headline="草稿中的寒潮预警")
    exercise = issue(
        make_alert(created_by=drafter, status=Status.EXERCISE, headline="暴雪演练预警"), drafter
    )
    client.force_login(confirmer)
    issued = client.get(f"{ADMIN}?stage=issued").content.decode()
    assert exercise.headline in issued and draft.headline not in issued
    assert "演练" in issued
    drafts = client.get(f"{ADMIN}?stage=draft").content.decode()
    assert draft.headline in drafts and exercise.headline not in drafts


# --- composing and editing -----------------------------------------------------------------


def test_composing_saves_a_draft_with_a_generated_identifier(client, drafter):
    client.force_login(drafter)
    form = client.get(f"{ADMIN}new/").content.decode()
    assert "起草预警" in form and "呼和浩特市科普青城平台" in form  # sender name from settings
    response = client.post(f"{ADMIN}new/", form_data())
    alert = Alert.objects.get()
    assert response.status_code == 302 and response["Location"] == url("inspect", alert)
    assert alert.stage == Stage.DRAFT and alert.msg_type == MsgType.ALERT
    assert alert.created_by == drafter and alert.source == "admin"
    assert re.fullmatch(r"kepuqingcheng\.\d{8}T\d{6}\.[0-9a-f]{6}", alert.identifier)
    assert alert.sender == issuing.default_sender()
    assert list(alert.areas.values_list("code", flat=True)) == ["150105"]
    assert alert.instruction_lines == COLD_WAVE_LINES.splitlines()
    assert "wagtail.create" in log_actions(alert)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"areas": None}, "请至少选择一个预警区域"),
        (
            {
                "onset": (timezone.localtime() + datetime.timedelta(hours=3)).strftime(FORM_TIME),
                "expires": (timezone.localtime() + datetime.timedelta(hours=2)).strftime(FORM_TIME),
            },
            "失效时间必须晚于开始时间",
        ),
        (
            {"expires": (timezone.localtime() - datetime.timedelta(hours=1)).strftime(FORM_TIME)},
            "失效时间必须晚于现在",
        ),
        ({"instruction": "注意保暖\n减少外出"}, "需要 3—6 条行动要点，现在是 2 条"),
        ({"instruction": "注意保暖\n减少外出\n" + "长" * 31}, "每条不超过 30 个字"),
        ({"instruction": ""}, "请填写行动要点"),
    ],
)
def test_a_draft_that_cannot_go_on_a_screen_is_not_saved(client, drafter, overrides, message):
    client.force_login(drafter)
    response = client.post(f"{ADMIN}new/", form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Alert.objects.exists()


def test_the_explainers_action_lines_fill_an_empty_instruction(client, drafter, site_tree):
    live = EmergencyGuidePageFactory(
        title="寒潮来了怎么办", hazard="cold_wave", actions="注意添衣保暖\n减少户外活动\n关好门窗"
    )
    hidden = EmergencyGuidePageFactory(title="未发布的暴雪指南", hazard="blizzard", live=False)
    client.force_login(drafter)
    form = client.get(f"{ADMIN}new/").content.decode()
    assert "寒潮来了怎么办" in form and "未发布的暴雪指南" not in form

    response = client.post(
        f"{ADMIN}new/",
        form_data(instruction="", explainers=[live.pk], use_explainer_actions="on"),
    )
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert alert.instruction_lines == ["注意添衣保暖", "减少户外活动", "关好门窗"]
    assert list(alert.explainers.all()) == [live]

    refused = client.post(f"{ADMIN}new/", form_data(explainers=[hidden.pk]))
    assert refused.status_code == 200 and Alert.objects.count() == 1


def test_drafts_are_editable_and_nothing_else_is(client, drafter, confirmer):
    alert = make_alert(created_by=drafter, areas=("150105",))
    client.force_login(drafter)
    assert client.get(url("edit", alert)).status_code == 200
    response = client.post(url("edit", alert), form_data(headline="寒潮蓝色预警（修订）"))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.headline == "寒潮蓝色预警（修订）" and alert.stage == Stage.DRAFT

    client.post(url("submit", alert))
    alert.refresh_from_db()
    assert alert.stage == Stage.AWAITING
    # A forged edit of an alert waiting for confirmation, then of an issued one.
    for stage in (Stage.AWAITING, Stage.ISSUED):
        if stage == Stage.ISSUED:
            issuing.confirm(alert, confirmer)
        response = client.post(url("edit", alert), form_data(headline="被篡改的标题"))
        assert response.status_code == 302 and response["Location"] == url("inspect", alert)
        alert.refresh_from_db()
        assert alert.headline == "寒潮蓝色预警（修订）" and alert.stage == stage
        assert client.get(url("edit", alert))["Location"] == url("inspect", alert)
    assert "只有草稿可以修改" in client.get(url("inspect", alert)).content.decode()


# --- the two-person rule through the admin ----------------------------------------------------


def test_a_drafter_submits_and_a_second_person_confirms(client, drafter, confirmer):
    alert = make_alert(created_by=drafter)
    client.force_login(drafter)
    page = client.get(url("inspect", alert)).content.decode()
    assert url("submit", alert) in page and url("confirm", alert) not in page
    client.post(url("submit", alert))
    alert.refresh_from_db()
    assert alert.stage == Stage.AWAITING

    page = client.get(url("inspect", alert)).content.decode()
    assert url("confirm", alert) not in page and "data-own-awaiting" in page
    # The button is not shown, and the server refuses the forged request with its reason.
    response = client.post(url("confirm", alert), follow=True)
    assert "不能确认自己起草或提交的预警" in response.content.decode()
    alert.refresh_from_db()
    assert alert.stage == Stage.AWAITING and alert.confirmed_by is None

    client.force_login(confirmer)
    assert url("confirm", alert) in client.get(url("inspect", alert)).content.decode()
    response = client.post(url("confirm", alert), follow=True)
    assert "已确认，预警已发布" in response.content.decode()
    alert.refresh_from_db()
    assert alert.stage == Stage.ISSUED and alert.confirmed_by == confirmer
    assert list(Alert.objects.active()) == [alert]

    history = client.get(url("inspect", alert)).content.decode()
    history = history[history.index("data-history") :]
    assert "已提交预警，待确认" in history and "已确认并发布预警" in history
    assert "王芳" in history and "张伟" in history
    listing = client.get(ADMIN).content.decode()
    assert "张伟" in listing and "已发布" in listing


def test_an_exercise_goes_out_with_one_person(client, drafter):
    alert = make_alert(created_by=drafter, status=Status.EXERCISE)
    client.force_login(drafter)
    response = client.post(url("submit", alert), follow=True)
    assert "已发布（演练）" in response.content.decode()
    alert.refresh_from_db()
    assert alert.stage == Stage.ISSUED and alert.confirmed_by is None


def test_a_confirmer_sends_back_with_a_reason(client, drafter, confirmer):
    alert = make_alert(created_by=drafter)
    issuing.submit(alert, drafter)
    client.force_login(confirmer)
    response = client.post(url("send_back", alert), {"reason": ""}, follow=True)
    assert "请填写退回原因" in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).stage == Stage.AWAITING
    client.post(url("send_back", alert), {"reason": "预警区域应为全市"})
    alert.refresh_from_db()
    assert alert.stage == Stage.DRAFT
    page = client.get(url("inspect", alert)).content.decode()
    assert "预警区域应为全市" in page[page.index("data-history") :]


def test_cancel_is_one_person_with_a_required_reason(client, drafter, confirmer):
    alert = issue(make_alert(created_by=drafter), drafter, confirmer)
    client.force_login(drafter)
    response = client.post(url("cancel", alert), {"reason": "  "}, follow=True)
    assert "请填写解除原因" in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).stage == Stage.ISSUED

    response = client.post(url("cancel", alert), {"reason": "冷空气提前减弱"}, follow=True)
    alert.refresh_from_db()
    assert alert.stage == Stage.CANCELLED and alert.cancel_reason == "冷空气提前减弱"
    message = Alert.objects.get(msg_type=MsgType.CANCEL)
    html = response.content.decode()
    assert message.identifier in html and "冷空气提前减弱" in html[html.index("data-history") :]
    # Nothing left to cancel or update.
    assert url("cancel", alert) not in html and url("draft_update", alert) not in html


def test_draft_update_opens_the_new_draft(client, drafter, confirmer):
    alert = issue(make_alert(created_by=drafter), drafter, confirmer)
    client.force_login(drafter)
    response = client.post(url("draft_update", alert))
    update = Alert.objects.get(msg_type=MsgType.UPDATE)
    assert response["Location"] == url("edit", update)
    assert update.replaces == alert and update.stage == Stage.DRAFT
    client.post(url("edit", update), form_data(event="寒潮黄色预警", severity="Moderate"))
    update.refresh_from_db()
    assert update.msg_type == MsgType.UPDATE and update.replaces == alert
    assert update.event == "寒潮黄色预警"


# --- forged requests -------------------------------------------------------------------------


def test_someone_without_permission_changes_nothing(client, drafter, confirmer, editor):
    draft = make_alert(created_by=drafter, headline="草稿")
    awaiting = make_alert(created_by=drafter, headline="待确认")
    issuing.submit(awaiting, drafter)
    live = issue(make_alert(created_by=drafter, headline="发布中"), drafter, confirmer)
    before = {alert.pk: alert.stage for alert in Alert.objects.all()}
    count = Alert.objects.count()

    client.force_login(editor)
    attempts = [
        (f"{ADMIN}new/", form_data()),
        (url("edit", draft), form_data(headline="被篡改")),
        (url("delete", draft), {}),
        (url("submit", draft), {}),
        (url("confirm", awaiting), {}),
        (url("send_back", awaiting), {"reason": "伪造"}),
        (url("draft_update", live), {}),
        (url("cancel", live), {"reason": "伪造"}),
    ]
    for address, data in attempts:
        assert refused_to_admin_home(client.post(address, data)), address
    assert {alert.pk: alert.stage for alert in Alert.objects.all()} == before
    assert Alert.objects.count() == count
    assert Alert.objects.get(pk=draft.pk).headline == "草稿"


def test_a_composer_cannot_confirm_send_back_or_cancel(client, drafter, composer, confirmer):
    awaiting = make_alert(created_by=drafter)
    issuing.submit(awaiting, drafter)
    live = issue(make_alert(created_by=drafter), drafter, confirmer)
    client.force_login(composer)
    page = client.get(url("inspect", awaiting)).content.decode()
    assert url("confirm", awaiting) not in page and url("send_back", awaiting) not in page
    assert url("cancel", live) not in client.get(url("inspect", live)).content.decode()
    for address, data in [
        (url("confirm", awaiting), {}),
        (url("send_back", awaiting), {"reason": "伪造"}),
        (url("cancel", live), {"reason": "伪造"}),
    ]:
        assert refused_to_admin_home(client.post(address, data)), address
    assert Alert.objects.get(pk=awaiting.pk).stage == Stage.AWAITING
    assert Alert.objects.get(pk=live.pk).stage == Stage.ISSUED


def test_steps_are_posts_only(client, drafter):
    alert = make_alert(created_by=drafter)
    client.force_login(drafter)
    assert client.get(url("submit", alert)).status_code == 405
    assert Alert.objects.get(pk=alert.pk).stage == Stage.DRAFT


def test_the_actions_are_forms_with_csrf(drafter, confirmer):
    from django.test import Client

    alert = make_alert(created_by=drafter)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(drafter)
    page = strict.get(url("inspect", alert)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert strict.post(url("submit", alert)).status_code == 403
    assert Alert.objects.get(pk=alert.pk).stage == Stage.DRAFT


# --- the operator console ---------------------------------------------------------------------


def test_the_console_counts_screens_and_refreshes_while_active(client, drafter, confirmer):
    alert = issue(make_alert(areas=("150105",), created_by=drafter), drafter, confirmer)
    acked, _ = provision("中山路广场屏", "150105", "square")
    waiting, _ = provision("大学东路学校屏", "150105", "school")
    provision("从未连接屏", "150105", "park")
    provision("武川县车站屏", "150125", "square")
    Screen.objects.filter(pk__in=[acked.pk, waiting.pk]).update(last_seen_at=timezone.now())
    AlertAck.objects.create(
        alert=alert, screen=acked, acknowledged_at=alert.sent + datetime.timedelta(seconds=2)
    )
    client.force_login(drafter)
    assert url("console", alert) in client.get(url("inspect", alert)).content.decode()
    html = client.get(url("console", alert)).content.decode()
    figures = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))
    assert figures["targeted"] == "3" and figures["acknowledged"] == "1"
    assert figures["online"] == "1" and figures["offline"] == "1"
    assert figures["p50"].startswith("2.0") and figures["p95"].startswith("2.0")
    assert "武川县车站屏" not in html
    assert 'data-refresh-seconds="5"' in html and "alert-console.js" in html

    issuing.cancel(alert, drafter, "解除")
    html = client.get(url("console", alert)).content.decode()
    assert "data-refresh-seconds" not in html, "an ended alert's figures are final"


# --- Chinese only ------------------------------------------------------------------------------


class VisibleText(HTMLParser):
    """Text a person sees or hears: text nodes outside scripts and hidden elements, and the
    labels screen readers read."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__()
        self.stack = []
        self.parts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"br", "img", "input", "meta", "link", "hr", "source", "use"}:
            self._labels(attrs)
            return
        self.stack.append(tag in self.HIDDEN or "hidden" in attrs)
        self._labels(attrs)

    def _labels(self, attrs):
        if not any(self.stack):
            for name in ("aria-label", "title", "placeholder", "alt"):
                if attrs.get(name):
                    self.parts.append(attrs[name])

    def handle_endtag(self, tag):
        if self.stack and tag not in {"br", "img", "input", "meta", "link", "hr", "source"}:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip() and not any(self.stack):
            self.parts.append(data.strip())


# What may be Latin on these pages: CAP codes, identifiers, addresses, percentiles.
ALLOWED = re.compile(
    r"kepuqingcheng\.[\w.]+|[\w.]+@[\w.]+|/alerts/[\w./:@-]+|CAP|p50|p95|JavaScript|Wagtail"
)


def english_on(html):
    parser = VisibleText()
    parser.feed(html)
    found = []
    for part in parser.parts:
        rest = ALLOWED.sub("", part)
        if re.search(r"[A-Za-z]{2,}", rest):
            found.append(part)
    return found


def test_every_alerts_admin_page_is_in_chinese(client, drafter, confirmer, admin_user):
    client.force_login(admin_user)
    empty = client.get(ADMIN).content.decode()
    assert "还没有应急预警" in empty and english_on(empty) == []
    assert english_on(client.get(f"{ADMIN}?stage=cancelled").content.decode()) == []
    draft = make_alert(created_by=drafter)
    live = issue(make_alert(created_by=drafter, areas=("150105",)), drafter, confirmer)
    provision("中山路广场屏", "150105", "square")
    client.force_login(admin_user)
    pages = [
        ADMIN,
        f"{ADMIN}?stage=issued",
        f"{ADMIN}new/",
        url("edit", draft),
        url("delete", draft),
        url("inspect", draft),
        url("inspect", live),
        url("console", live),
        url("history", live),
    ]
    for address in pages:
        response = client.get(address)
        assert response.status_code == 200, address
        assert english_on(response.content.decode()) == [], address
    invalid = client.post(f"{ADMIN}new/", form_data(areas=None, instruction="一行"))
    assert english_on(invalid.content.decode()) == []
