"""The operator console's figures: each targeted screen in exactly one state, and the time to
acknowledge as nearest-rank percentiles from the alert's issue time."""

import datetime

import pytest
from django.utils import timezone

from alerts import console
from alerts.models import AlertAck
from screens.models import Screen
from screens.provisioning import provision

from .factories import issue, make_alert

pytestmark = pytest.mark.django_db


def test_percentiles_are_nearest_rank():
    assert console.percentile([], 0.5) is None
    assert console.percentile([3.0], 0.95) == 3.0
    values = [float(n) for n in range(1, 21)]  # 1 … 20
    assert console.percentile(values, 0.50) == 10.0
    assert console.percentile(values, 0.95) == 19.0
    assert console.percentile(list(reversed(values)), 0.95) == 19.0


def seen(screen, moment):
    Screen.objects.filter(pk=screen.pk).update(last_seen_at=moment)


def test_each_targeted_screen_is_acknowledged_online_or_offline(drafter, confirmer, site_tree):
    alert = issue(make_alert(areas=("150105",), created_by=drafter), drafter, confirmer)
    now = alert.sent + datetime.timedelta(minutes=5)
    fast, _ = provision("快屏", "150105", "square")
    slow, _ = provision("慢屏", "150105", "park")
    waiting, _ = provision("在线未确认屏", "150105", "school")
    silent, _ = provision("两分钟无心跳屏", "150105", "square")
    never, _ = provision("从未连接屏", "150105", "square")
    provision("区域外屏", "150125", "square")
    disabled, _ = provision("停用屏", "150105", "square")
    Screen.objects.filter(pk=disabled.pk).update(enabled=False)

    for screen in (fast, slow, waiting):
        seen(screen, now - datetime.timedelta(seconds=30))
    seen(silent, now - datetime.timedelta(seconds=121))
    AlertAck.objects.create(
        alert=alert, screen=fast, acknowledged_at=alert.sent + datetime.timedelta(seconds=1)
    )
    # An acknowledged screen counts as acknowledged even after it went quiet.
    AlertAck.objects.create(
        alert=alert, screen=slow, acknowledged_at=alert.sent + datetime.timedelta(seconds=4)
    )
    seen(slow, now - datetime.timedelta(minutes=10))

    figures = console.summary(alert, now)
    assert figures.targeted == 5
    assert (figures.acknowledged, figures.online_waiting, figures.offline) == (2, 1, 2)
    states = {row.screen.name: row.state for row in figures.rows}
    assert states == {
        "快屏": "acknowledged",
        "慢屏": "acknowledged",
        "在线未确认屏": "online",
        "两分钟无心跳屏": "offline",
        "从未连接屏": "offline",
    }
    # The screens that need someone first.
    assert [row.state for row in figures.rows] == [
        "offline",
        "offline",
        "online",
        "acknowledged",
        "acknowledged",
    ]
    assert figures.p50 == 1.0 and figures.p95 == 4.0


def test_an_alert_for_the_city_reaches_screens_in_every_district(drafter, confirmer, site_tree):
    provision("赛罕区屏", "150105", "square")
    provision("武川县屏", "150125", "square")
    alert = issue(make_alert(areas=("150100",), created_by=drafter), drafter, confirmer)
    figures = console.summary(alert, timezone.now())
    assert figures.targeted == 2 and figures.offline == 2
    assert figures.p50 is None and figures.p95 is None
