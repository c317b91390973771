"""Alerts for tests: a valid draft in a few lines, and the people who issue it."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from alerts import issuing
from alerts.models import Alert, Category, Severity, Status
from content.models import Region

COLD_WAVE_LINES = "减少户外活动\n注意添衣保暖\n关好门窗防风\n老人儿童留在室内"


def make_person(username, *, confirmer=True, last_name="李", first_name="敏"):
    user = get_user_model().objects.create_user(
        username=username,
        password="not-used-in-tests-0",  # noqa: S106
        last_name=last_name,
        first_name=first_name,
        organisation="呼和浩特市应急管理局",
    )
    if confirmer:
        user.groups.add(confirmers_group())
    return user


def confirmers_group():
    """The group the migration creates (made again after a transactional test's flush)."""
    group, created = Group.objects.get_or_create(name=issuing.CONFIRMERS_GROUP)
    if created:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="alerts",
                codename__in=["add_alert", "change_alert", "view_alert", "confirm_alert"],
            ),
            *Permission.objects.filter(codename="access_admin"),
        )
    return group


def make_alert(areas=("150100",), *, created_by=None, **fields):
    now = timezone.now()
    values = {
        "identifier": issuing.new_identifier(),
        "sender": issuing.default_sender(),
        "sender_name": "呼和浩特市气象台",
        "status": Status.ACTUAL,
        "category": Category.MET,
        "event": "寒潮蓝色预警",
        "severity": Severity.MINOR,
        "onset": now,
        "expires": now + datetime.timedelta(hours=6),
        "headline": "呼和浩特市气象台发布寒潮蓝色预警",
        "description": "受强冷空气影响，未来48小时我市气温将下降8℃以上，并伴有5—6级偏北风。",
        "instruction": COLD_WAVE_LINES,
        "area_desc": "呼和浩特市",
        "created_by": created_by,
    }
    values.update(fields)
    alert = Alert.objects.create(**values)
    alert.areas.set(Region.objects.filter(code__in=areas))
    return alert


def issue(alert, drafter, confirmer=None):
    """Submit (and, for an Actual alert, confirm by a second person)."""
    issuing.submit(alert, drafter)
    alert.refresh_from_db()
    if alert.stage == "awaiting":
        issuing.confirm(alert, confirmer)
        alert.refresh_from_db()
    return alert
