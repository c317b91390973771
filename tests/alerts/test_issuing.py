"""Issuing alerts: the two-person rule on the server, the Update / Cancel chain, expiry, the
audit log, and what screens are told."""

import datetime
import queue
import threading
import time

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone
from wagtail.models import ModelLogEntry

from alerts import issuing
from alerts.issuing import IssuingError
from alerts.models import Alert, MsgType, Stage, Status
from screens import push
from screens.provisioning import provision

from .factories import issue, make_alert

pytestmark = pytest.mark.django_db


def actions(alert):
    return list(
        ModelLogEntry.objects.filter(object_id=str(alert.pk))
        .order_by("timestamp", "pk")
        .values_list("action", "user__username")
    )


def test_an_actual_alert_waits_for_a_second_person(drafter, confirmer):
    alert = make_alert(created_by=drafter)
    issuing.submit(alert, drafter)
    alert.refresh_from_db()
    assert alert.stage == Stage.AWAITING
    assert not Alert.objects.active().exists()

    with pytest.raises(IssuingError, match="不能确认自己"):
        issuing.confirm(alert, drafter)
    alert.refresh_from_db()
    assert alert.stage == Stage.AWAITING

    issuing.confirm(alert, confirmer)
    alert.refresh_from_db()
    assert alert.stage == Stage.ISSUED
    assert alert.sent is not None and alert.confirmed_by == confirmer
    assert list(Alert.objects.active()) == [alert]
    assert actions(alert) == [("alerts.submit", "drafter"), ("alerts.confirm", "confirmer")]


def test_whoever_submitted_cannot_confirm_either(drafter, confirmer):
    """A draft someone else wrote, submitted by the would-be confirmer: still not theirs to
    confirm."""
    alert = make_alert(created_by=drafter)
    issuing.submit(alert, confirmer)
    with pytest.raises(IssuingError, match="不能确认自己"):
        issuing.confirm(Alert.objects.get(pk=alert.pk), confirmer)


def test_only_the_confirmers_group_confirms(drafter, outsider):
    outsider.user_permissions.add(
        *__import__(
            "django.contrib.auth.models", fromlist=["Permission"]
        ).Permission.objects.filter(content_type__app_label="alerts", codename="add_alert")
    )
    alert = make_alert(created_by=drafter)
    issuing.submit(alert, drafter)
    with pytest.raises(IssuingError, match="应急发布审核"):
        issuing.confirm(Alert.objects.get(pk=alert.pk), outsider)
    assert Alert.objects.get(pk=alert.pk).stage == Stage.AWAITING


def test_someone_without_permission_cannot_submit(outsider):
    alert = make_alert(created_by=outsider)
    with pytest.raises(IssuingError, match="没有发布预警的权限"):
        issuing.submit(alert, outsider)
    assert Alert.objects.get(pk=alert.pk).stage == Stage.DRAFT


@pytest.mark.parametrize("status", [Status.EXERCISE, Status.TEST])
def test_exercises_and_tests_go_out_with_one_person_and_are_labelled(drafter, status):
    alert = make_alert(created_by=drafter, status=status)
    issuing.submit(alert, drafter)
    alert.refresh_from_db()
    assert alert.stage == Stage.ISSUED
    assert alert.label == {"Exercise": "演练", "Test": "测试"}[status]
    assert actions(alert) == [("alerts.issue", "drafter")]


def test_an_alert_needs_an_area_and_a_sane_time_and_screen_sized_lines(drafter):
    no_area = make_alert(areas=(), created_by=drafter)
    with pytest.raises(IssuingError, match="预警区域"):
        issuing.submit(no_area, drafter)
    backwards = make_alert(
        created_by=drafter,
        expires=timezone.now() + datetime.timedelta(hours=1),
        onset=timezone.now() + datetime.timedelta(hours=2),
    )
    with pytest.raises(IssuingError, match="失效时间必须晚于开始时间"):
        issuing.submit(backwards, drafter)
    wordy = make_alert(created_by=drafter, instruction="只有一行\n两行")
    with pytest.raises(IssuingError, match="3—6 条"):
        issuing.submit(wordy, drafter)
    long_line = make_alert(created_by=drafter, instruction="一\n二\n" + "长" * 31)
    with pytest.raises(IssuingError, match="不超过 30 个字"):
        issuing.submit(long_line, drafter)
    assert not Alert.objects.exclude(stage=Stage.DRAFT).exists()


def test_an_update_replaces_the_alert_when_it_is_issued(drafter, confirmer):
    first = issue(make_alert(created_by=drafter), drafter, confirmer)
    update = issuing.draft_update(first, drafter)
    assert update.msg_type == MsgType.UPDATE and update.replaces == first
    assert set(update.areas.values_list("code", flat=True)) == {"150100"}
    update.event, update.severity = "寒潮黄色预警", "Moderate"
    update.save()
    # Still only the first is live until the update itself is confirmed.
    assert list(Alert.objects.active()) == [first]
    issue(update, drafter, confirmer)
    first.refresh_from_db()
    assert first.stage == Stage.SUPERSEDED
    assert list(Alert.objects.active()) == [update]
    assert ("alerts.supersede", "confirmer") in actions(first)


def test_a_cancel_is_one_person_with_a_reason_and_a_message_of_its_own(drafter, confirmer):
    alert = issue(make_alert(created_by=drafter), drafter, confirmer)
    with pytest.raises(IssuingError, match="解除原因"):
        issuing.cancel(alert, drafter, "  ")
    message = issuing.cancel(alert, drafter, "冷空气提前减弱")
    alert.refresh_from_db()
    assert alert.stage == Stage.CANCELLED and alert.cancel_reason == "冷空气提前减弱"
    assert message.msg_type == MsgType.CANCEL and message.replaces == alert
    assert message.stage == Stage.ISSUED and message.sent is not None
    assert not Alert.objects.active().exists()
    log = ModelLogEntry.objects.get(object_id=str(alert.pk), action="alerts.cancel")
    assert log.user == drafter and log.data["reason"] == "冷空气提前减弱"
    with pytest.raises(IssuingError, match="只能解除正在发布中"):
        issuing.cancel(alert, drafter, "再解除一次")
    with pytest.raises(IssuingError, match="只能更新正在发布中"):
        issuing.draft_update(alert, drafter)


def test_an_update_of_a_cancelled_alert_cannot_go_out(drafter, confirmer):
    alert = issue(make_alert(created_by=drafter), drafter, confirmer)
    update = issuing.draft_update(alert, drafter)
    issuing.cancel(alert, confirmer, "误报")
    with pytest.raises(IssuingError, match="已不在发布中"):
        issuing.submit(update, drafter)


def test_expiry_ends_alerts_and_lapsed_requests(drafter, confirmer):
    alert = issue(make_alert(created_by=drafter), drafter, confirmer)
    waiting = make_alert(created_by=drafter)
    issuing.submit(waiting, drafter)
    assert issuing.expire_due(timezone.now()) is None
    later = timezone.now() + datetime.timedelta(hours=7)
    assert issuing.expire_due(later) == "2 alert(s) expired"
    alert.refresh_from_db()
    waiting.refresh_from_db()
    assert alert.stage == waiting.stage == Stage.EXPIRED
    assert ("alerts.expire", None) in actions(alert)


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers with a database lock; PostgreSQL shows the race",
)
@pytest.mark.django_db(transaction=True)
def test_two_confirmers_at_once_issue_the_alert_once(site_tree):
    from .factories import make_person

    drafter = make_person("d")
    confirmers = [make_person("c1"), make_person("c2")]
    alert = make_alert(created_by=drafter)
    issuing.submit(alert, drafter)
    barrier = threading.Barrier(2)
    outcomes = []

    def try_confirm(user):
        try:
            copy = Alert.objects.get(pk=alert.pk)
            barrier.wait()
            issuing.confirm(copy, user)
            outcomes.append("issued")
        except IssuingError as error:
            outcomes.append(str(error))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=try_confirm, args=(user,)) for user in confirmers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[0] == "issued"
    assert outcomes.count("issued") == 1
    assert (
        ModelLogEntry.objects.filter(object_id=str(alert.pk), action="alerts.confirm").count() == 1
    )


def received(subscription, wanted):
    """The events a subscription gets until ``wanted`` kinds arrived (Redis delivers later)."""
    events = []
    deadline = time.monotonic() + 5
    while len(events) < wanted and time.monotonic() < deadline:
        try:
            events.append(subscription.queue.get(timeout=0.2))
        except queue.Empty:
            continue
    return events


def test_screens_in_the_area_hear_the_alert_and_others_do_not(
    drafter, confirmer, site_tree, django_capture_on_commit_callbacks
):
    inside = provision("赛罕区广场屏", "150105", "square")[0]
    outside = provision("武川县车站屏", "150125", "station")[0]
    broker = push.get_broker()
    inside_sub = broker.subscribe(inside.pk)
    outside_sub = broker.subscribe(outside.pk)
    assert broker.wait_ready()
    try:
        alert = make_alert(areas=("150105",), created_by=drafter)
        with django_capture_on_commit_callbacks(execute=True):
            issue(alert, drafter, confirmer)
        heard = received(inside_sub, 2)
        assert heard[0].kind == "alert"
        assert heard[0].data["alert"]["identifier"] == alert.identifier
        assert heard[0].data["alert"]["colour"] == "blue"
        assert heard[1].kind == "manifest"

        with django_capture_on_commit_callbacks(execute=True):
            issuing.cancel(Alert.objects.get(pk=alert.pk), drafter, "预警解除")
        heard = received(inside_sub, 2)
        assert heard[0].kind == "alert" and heard[0].data == {"cancel": alert.identifier}
        assert received(outside_sub, 1) == []
    finally:
        inside_sub.close()
        outside_sub.close()
