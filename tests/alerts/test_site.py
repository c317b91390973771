"""The alerts on the site: the banner on every public page (within seconds of an issue in any
process, outside every cached fragment), ``/alerts/``, one alert's page, its CAP 1.2 XML and the
Atom index of CAP messages."""

import datetime
import re
import time
import urllib.request
from pathlib import Path

import capvalidator
import feedparser
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts import active, cap, issuing
from alerts.models import Alert, Stage
from tests.content.factories import ArticlePageFactory, EmergencyGuidePageFactory
from tests.content.test_shared_generation import manage_in_another_process

from .factories import issue, make_alert

ROOT = Path(__file__).resolve().parents[2]
BANNER = re.compile(r'<section class="alert-banner".*?</section>', re.S)


@pytest.fixture
def article(site_tree):
    return ArticlePageFactory(title="冬季防范一氧化碳中毒")


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run what issuing does after commit (forgetting the banner memo, telling screens), as a
    real transaction would; the test's own transaction is only rolled back."""

    def run(step, *args):
        with django_capture_on_commit_callbacks(execute=True):
            return step(*args)

    return run


def page(client, path, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def banner(html):
    found = BANNER.search(html)
    return found.group(0) if found else ""


def banner_alerts(html):
    return re.findall(r'data-alert="([^"]+)"', banner(html))


# --- the banner ------------------------------------------------------------------------------


def test_the_banner_shows_an_issued_alert_on_content_pages_with_colour_and_link(
    client, article, drafter, confirmer, after_commit
):
    assert banner(page(client, article.url)) == ""
    alert = make_alert(created_by=drafter, severity="Moderate", event="寒潮黄色预警")
    after_commit(issue, alert, drafter, confirmer)

    for path in (article.url, "/", "/kepu/", "/search/?q=寒潮", "/feeds/", "/alerts/"):
        shown = banner(page(client, path))
        assert 'aria-label="应急预警"' in shown, path
        assert "alert-colour--yellow" in shown
        assert "黄色预警" in shown
        assert f'href="/alerts/{alert.identifier}/"' in shown
        assert alert.headline in shown
        assert "演练" not in shown and "测试" not in shown
    # A page that does not exist still tells people of the alert.
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert alert.identifier in banner(missing.content.decode())


def test_exercise_and_test_alerts_are_labelled(client, article, drafter, after_commit):
    drill = make_alert(created_by=drafter, status="Exercise", severity="Extreme")
    after_commit(issue, drill, drafter)
    shown = banner(page(client, article.url))
    assert "红色预警" in shown and "alert-colour--red" in shown
    assert '<strong class="alert-label">演练</strong>' in shown

    trial = make_alert(created_by=drafter, status="Test", severity="Minor")
    after_commit(issue, trial, drafter)
    assert '<strong class="alert-label">测试</strong>' in banner(page(client, article.url))


def test_several_alerts_most_severe_first_then_how_many_more(
    client, article, drafter, confirmer, after_commit
):
    made = {}
    for severity in ("Minor", "Extreme", "Moderate", "Severe", "Minor"):
        alert = make_alert(created_by=drafter, severity=severity, status="Exercise")
        after_commit(issue, alert, drafter)
        made.setdefault(severity, []).append(alert.identifier)
    html = page(client, article.url)
    shown = banner_alerts(html)
    assert shown == [made["Extreme"][0], made["Severe"][0], made["Moderate"][0]]
    assert 'data-alert-count="5"' in banner(html)
    assert "另有 2 条预警，查看全部" in banner(html)
    assert 'href="/alerts/"' in banner(html)


def test_cancel_and_expiry_take_the_banner_away(client, article, drafter, after_commit):
    alert = make_alert(created_by=drafter, status="Exercise")
    after_commit(issue, alert, drafter)
    assert banner_alerts(page(client, article.url)) == [alert.identifier]
    after_commit(issuing.cancel, alert, drafter, "演练结束")
    assert banner(page(client, article.url)) == ""

    soon = make_alert(
        created_by=drafter,
        status="Exercise",
        expires=timezone.now() + datetime.timedelta(seconds=2),
    )
    after_commit(issue, soon, drafter)
    assert banner_alerts(page(client, article.url)) == [soon.identifier]
    # Times are whole seconds (the next one when given with a fraction): wait for the stored one.
    time.sleep(max((soon.expires - timezone.now()).total_seconds(), 0) + 0.1)
    # Gone at its expiry, before the periodic job marks it expired and from the memo as it is.
    assert banner(page(client, article.url)) == ""


def test_the_banner_is_outside_every_cached_fragment_and_conditional_answer(
    client, article, drafter, after_commit
):
    paths = [article.url, "/", "/kepu/", "/emergency/"]
    for path in paths:
        page(client, path)  # every fragment of these pages is cached now
    alert = make_alert(created_by=drafter, status="Test")
    after_commit(issue, alert, drafter)
    for path in paths:
        response = client.get(
            path,
            HTTP_IF_NONE_MATCH='"anything"',
            HTTP_IF_MODIFIED_SINCE="Mon, 07 Dec 2026 00:00:00 GMT",
        )
        assert response.status_code == 200, path
        assert banner_alerts(response.content.decode()) == [alert.identifier], path
    after_commit(issuing.cancel, alert, drafter, "测试结束")
    for path in paths:
        assert banner(page(client, path)) == "", path


def test_repeat_views_with_the_banner_run_no_query(client, article, drafter, after_commit):
    after_commit(issue, make_alert(created_by=drafter, status="Exercise"), drafter)
    page(client, article.url)
    with CaptureQueriesContext(connection) as queries:
        html = page(client, article.url)
    assert banner(html)
    assert len(queries) == 0, [query["sql"] for query in queries]


def test_neither_the_admin_nor_the_player_shows_or_reads_the_banner(
    client, admin_client, article, drafter, after_commit
):
    after_commit(issue, make_alert(created_by=drafter, status="Exercise"), drafter)
    active.forget()
    with CaptureQueriesContext(connection) as queries:
        admin_page = admin_client.get("/admin/")
    assert admin_page.status_code == 200
    assert "alert-banner" not in admin_page.content.decode()
    assert not [q for q in queries if "alerts_alert" in q["sql"]]
    player = client.get("/screen/")
    assert player.status_code == 200
    assert "alert-banner" not in player.content.decode()


def run_in_another_process(code):
    manage_in_another_process("shell", "-c", code)
    return time.monotonic()


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the live server
        return response.read().decode()


ISSUE_ELSEWHERE = """
from django.contrib.auth import get_user_model
from alerts import issuing
from tests.alerts.factories import make_alert, make_person
person = make_person("shell-drafter")
alert = make_alert(created_by=person, status="Exercise", severity="Severe",
                   identifier="kepuqingcheng.shell.1", headline="赛罕区发布暴雪橙色预警")
issuing.submit(alert, person)
"""

CANCEL_ELSEWHERE = """
from django.contrib.auth import get_user_model
from alerts import issuing
from alerts.models import Alert
person = get_user_model().objects.get(username="shell-drafter")
issuing.cancel(Alert.objects.get(identifier="kepuqingcheng.shell.1"), person, "演练结束")
"""


@pytest.mark.django_db(transaction=True)
def test_an_alert_issued_by_another_process_shows_within_five_seconds(
    live_server, site_tree, settings
):
    settings.ALERTS_CHECK_SECONDS = 2  # the real memo, not the suite's hour
    article = ArticlePageFactory(title="冬季防范一氧化碳中毒")
    url = live_server.url + article.url
    assert banner(fetch(url)) == ""  # the server's memo holds "no alerts" now

    issued_at = run_in_another_process(ISSUE_ELSEWHERE)
    while "kepuqingcheng.shell.1" not in banner_alerts(html := fetch(url)):
        assert time.monotonic() - issued_at < 5, "the banner did not show within 5 s"
        time.sleep(0.2)
    assert "赛罕区发布暴雪橙色预警" in banner(html)
    assert "alert-colour--orange" in banner(html)

    cancelled_at = run_in_another_process(CANCEL_ELSEWHERE)
    while banner(fetch(url)):
        assert time.monotonic() - cancelled_at < 5, "the banner stayed after the cancel"
        time.sleep(0.2)


# --- colours ---------------------------------------------------------------------------------


def luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_every_warning_colour_has_aa_contrast():
    css = (ROOT / "static/css/site.css").read_text()
    pairs = {
        name: (bg, fg)
        for name, bg, fg in re.findall(
            r"\.alert-colour--(\w+) \{\s*--alert-bg: (#[0-9a-f]{6});\s*--alert-fg: (#[0-9a-f]{6});",
            css,
        )
    }
    assert set(pairs) == {"blue", "yellow", "orange", "red", "none"}
    for name, (bg, fg) in pairs.items():
        # Normal-size text (and the inverted 演练 / 测试 label, the same pair).
        assert contrast(bg, fg) >= 4.5, (name, bg, fg, contrast(bg, fg))
    # Yellow and orange warnings carry dark text.
    assert luminance(pairs["yellow"][1]) < 0.05 and luminance(pairs["orange"][1]) < 0.05


# --- /alerts/ and one alert ------------------------------------------------------------------


def test_the_list_shows_active_alerts_most_severe_first_and_an_empty_state(
    client, site_tree, drafter, confirmer
):
    html = page(client, "/alerts/")
    assert "目前没有生效的应急预警。" in html
    blue = issue(make_alert(created_by=drafter, areas=("150105",)), drafter, confirmer)
    red = issue(
        make_alert(created_by=drafter, severity="Extreme", event="地震红色预警", status="Test"),
        drafter,
    )
    draft = make_alert(created_by=drafter, severity="Extreme")
    html = page(client, "/alerts/")
    assert "目前没有生效的应急预警。" not in html
    listed = re.findall(r'<li class="alert-summary alert-colour--(\w+)" data-alert="([^"]+)"', html)
    assert listed == [("red", red.identifier), ("blue", blue.identifier)]
    assert draft.identifier not in html
    assert "赛罕区" in html and "测试" in html and "红色预警" in html
    assert f'href="/alerts/{red.identifier}/"' in html
    expires = timezone.localtime(blue.expires, datetime.timezone(datetime.timedelta(hours=8)))
    assert expires.strftime("%H:%M") in html


def test_an_alert_page_says_everything_in_beijing_time(client, site_tree, drafter, confirmer):
    alert = issue(make_alert(created_by=drafter), drafter, confirmer)
    Alert.objects.filter(pk=alert.pk).update(
        sent=datetime.datetime(2026, 12, 7, 2, 15, tzinfo=datetime.UTC),
        expires=timezone.now() + datetime.timedelta(hours=3),
    )
    html = page(client, f"/alerts/{alert.identifier}/")
    assert "<h1" in html and alert.headline in html
    for text in (
        "寒潮蓝色预警",
        "蓝色预警",
        "蓝色（一般）",
        "呼和浩特市",
        "受强冷空气影响",
        "呼和浩特市气象台",
        "2026年12月7日 10:15",  # 02:15 UTC
        "正在生效",
    ):
        assert text in html, text
    for line in alert.instruction_lines:
        assert f"<li>{line}</li>" in html
    assert f'href="{alert.cap_url()}"' in html
    assert 'data-state="active"' in html and "alert-colour--blue" in html


def test_only_public_explainers_are_linked(client, site_tree, drafter, confirmer):
    public = EmergencyGuidePageFactory(title="寒潮来了怎么办", hazard="cold_wave")
    unreviewed = EmergencyGuidePageFactory(title="未审核的寒潮说明", reviewed_by="")
    draft = EmergencyGuidePageFactory(title="草稿寒潮说明", live=False)
    expired = EmergencyGuidePageFactory(
        title="过期的寒潮说明", expire_at=timezone.now() - datetime.timedelta(days=1)
    )
    alert = make_alert(created_by=drafter)
    alert.explainers.set([public, unreviewed, draft, expired])
    issue(alert, drafter, confirmer)
    html = page(client, f"/alerts/{alert.identifier}/")
    assert "相关应急科普" in html and "寒潮来了怎么办" in html and public.url in html
    for hidden in ("未审核的寒潮说明", "草稿寒潮说明", "过期的寒潮说明"):
        assert hidden not in html


def test_drafts_and_awaiting_alerts_are_404(client, site_tree, drafter):
    draft = make_alert(created_by=drafter)
    awaiting = make_alert(created_by=drafter)
    issuing.submit(awaiting, drafter)
    assert Alert.objects.get(pk=awaiting.pk).stage == Stage.AWAITING
    # Read from a CAP source: it keeps its sender's time while it waits for a confirmer.
    ingested = make_alert(created_by=None, sent=timezone.now(), stage=Stage.AWAITING)
    for alert in (draft, awaiting, ingested):
        assert client.get(f"/alerts/{alert.identifier}/").status_code == 404
        assert client.get(f"/alerts/cap/{alert.identifier}.xml").status_code == 404
        assert alert.identifier not in page(client, "/alerts/")
    assert client.get("/alerts/no-such-alert/").status_code == 404


def test_ended_alerts_say_so_and_link_what_replaced_them(client, site_tree, drafter, confirmer):
    original = issue(make_alert(created_by=drafter), drafter, confirmer)
    update = issuing.draft_update(original, drafter)
    update.severity = "Moderate"
    update.event = "寒潮黄色预警"
    update.headline = "呼和浩特市气象台升级寒潮黄色预警"
    update.save()
    update = issue(update, drafter, confirmer)

    superseded = page(client, f"/alerts/{original.identifier}/")
    assert 'data-state="superseded"' in superseded and "此预警已被更新" in superseded
    assert f'href="/alerts/{update.identifier}/"' in superseded
    assert "alert-colour--none" in superseded  # no longer dressed as a warning in force
    updated = page(client, f"/alerts/{update.identifier}/")
    assert "本条为更新" in updated and f'href="/alerts/{original.identifier}/"' in updated

    message = issuing.cancel(Alert.objects.get(pk=update.pk), drafter, "冷空气已过境")
    cancelled = page(client, f"/alerts/{update.identifier}/")
    assert 'data-state="cancelled"' in cancelled and "此预警已解除。" in cancelled
    assert "冷空气已过境" in cancelled
    assert f'href="/alerts/{message.identifier}/"' in cancelled
    notice = page(client, f"/alerts/{message.identifier}/")
    assert "这是一条预警解除通知。" in notice
    assert f'href="/alerts/{update.identifier}/"' in notice

    lapsed = issue(make_alert(created_by=drafter), drafter, confirmer)
    Alert.objects.filter(pk=lapsed.pk).update(
        expires=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert "此预警已过期失效。" in page(client, f"/alerts/{lapsed.identifier}/")
    issuing.expire_due()
    assert "此预警已过期失效。" in page(client, f"/alerts/{lapsed.identifier}/")


# --- CAP XML and the Atom index -------------------------------------------------------------


def assert_valid_cap(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/cap+xml"
    body = response.content
    assert capvalidator.check_schema(body).passed
    assert cap.validate(body) == []
    return cap.parse(body)


def test_every_served_cap_message_is_valid_cap_1_2(client, site_tree, drafter, confirmer):
    original = issue(make_alert(created_by=drafter), drafter, confirmer)
    message = assert_valid_cap(client.get(f"/alerts/cap/{original.identifier}.xml"))
    assert message.identifier == original.identifier
    assert message.msg_type == "Alert" and message.status == "Actual"
    assert message.info.severity == "Minor" and message.info.headline == original.headline

    update = issuing.draft_update(original, drafter)
    assert client.get(f"/alerts/cap/{update.identifier}.xml").status_code == 404
    update = issue(update, drafter, confirmer)
    updated = assert_valid_cap(client.get(f"/alerts/cap/{update.identifier}.xml"))
    assert updated.msg_type == "Update"
    assert [ref[1] for ref in updated.references] == [original.identifier]

    cancel = issuing.cancel(Alert.objects.get(pk=update.pk), drafter, "预警解除")
    cancelled = assert_valid_cap(client.get(f"/alerts/cap/{cancel.identifier}.xml"))
    assert cancelled.msg_type == "Cancel"
    assert [ref[1] for ref in cancelled.references] == [update.identifier]
    # A message that ended is still served as it went out.
    assert_valid_cap(client.get(f"/alerts/cap/{original.identifier}.xml"))

    drill = issue(make_alert(created_by=drafter, status="Exercise", severity="Extreme"), drafter)
    assert assert_valid_cap(client.get(f"/alerts/cap/{drill.identifier}.xml")).status == "Exercise"


def test_cap_messages_answer_conditional_requests(client, site_tree, drafter, confirmer):
    alert = issue(make_alert(created_by=drafter), drafter, confirmer)
    url = f"/alerts/cap/{alert.identifier}.xml"
    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_the_atom_index_lists_active_alerts_and_recent_cancels_with_their_cap_messages(
    client, site_tree, drafter, confirmer
):
    empty = client.get("/alerts/feed/")
    assert empty.status_code == 200
    assert empty["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert not feedparser.parse(empty.content).bozo
    assert cap.parse_index(empty.content, settings.SITE_URL + "/alerts/feed/") == []

    blue = issue(make_alert(created_by=drafter), drafter, confirmer)
    red = issue(make_alert(created_by=drafter, severity="Extreme", status="Exercise"), drafter)
    gone = issue(make_alert(created_by=drafter, severity="Severe"), drafter, confirmer)
    cancel = issuing.cancel(gone, drafter, "风险解除")
    old = issue(make_alert(created_by=drafter, severity="Severe"), drafter, confirmer)
    old_cancel = issuing.cancel(old, drafter, "风险解除")
    Alert.objects.filter(pk=old.pk).update(expires=timezone.now() - datetime.timedelta(hours=1))
    make_alert(created_by=drafter, severity="Extreme")  # a draft

    response = client.get("/alerts/feed/")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "科普青城 · 应急预警"
    listed = [blue, red, cancel]
    in_order = [red, blue, cancel]
    assert [entry.id for entry in parsed.entries] == [alert.cap_url() for alert in in_order]
    for entry, alert in zip(parsed.entries, in_order, strict=True):
        links = {(link.rel, link.get("type", "")): link.href for link in entry.links}
        assert links[("alternate", "application/cap+xml")] == alert.cap_url()
        assert alert.get_full_url() in links.values()
        assert entry.updated
    assert parsed.entries[0].title.startswith("【演练】")

    urls = cap.parse_index(response.content, settings.SITE_URL + "/alerts/feed/")
    assert urls == [alert.cap_url() for alert in in_order]
    assert old_cancel.cap_url() not in urls
    # Every message the index links is served and valid.
    for alert in listed:
        assert_valid_cap(client.get(alert.cap_url().removeprefix(settings.SITE_URL)))

    again = client.get("/alerts/feed/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
