"""The steps of an alert's life, each checked on the server and written to the audit log.

- ``submit``: an ``Actual`` alert now waits for a second person; ``Exercise`` / ``Test`` go out.
- ``confirm``: a member of 应急发布审核 (permission ``alerts.confirm_alert``) who neither drafted
  nor submitted it sends an awaiting alert out.
- ``draft_update``: a new draft (msgType ``Update``) that will replace an issued alert when it
  is itself issued, by the same rules.
- ``cancel``: one person with a reason; a Cancel message (a row of its own) ends the alert.
- ``expire_due``: the periodic job ending alerts whose ``expires`` passed.

Every transition is one conditional UPDATE on the stage (``stage=<expected>``), so two people
confirming at once, or a confirm racing a cancel, cannot both win, on any database. Whatever an
issued alert does elsewhere (screens, push) happens after commit, in ``alerts.delivery``.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from . import delivery
from .models import Alert, MsgType, Stage

CONFIRM_PERMISSION = "alerts.confirm_alert"
CONFIRMERS_GROUP = "应急发布审核"
# Copied from the alert an Update or Cancel changes.
INFO_FIELDS = (
    "status",
    "category",
    "event",
    "urgency",
    "severity",
    "certainty",
    "onset",
    "expires",
    "headline",
    "description",
    "instruction",
    "area_desc",
    "sender_name",
)


class IssuingError(Exception):
    """A step refused; the message (Chinese) says why and is shown to the person who tried."""


def new_identifier(now=None):
    now = timezone.localtime(now or timezone.now())
    prefix = getattr(settings, "CAP_IDENTIFIER_PREFIX", "kepuqingcheng")
    return f"{prefix}.{now:%Y%m%dT%H%M%S}.{secrets.token_hex(3)}"


def default_sender():
    return getattr(settings, "CAP_SENDER", "kepu@huhhot.gov.cn")


def default_sender_name():
    return getattr(settings, "CAP_SENDER_NAME", "呼和浩特市科普青城平台")


def can_compose(user):
    return bool(user and user.is_active and user.has_perm("alerts.add_alert"))


def can_confirm(user):
    return bool(user and user.is_active and user.has_perm(CONFIRM_PERMISSION))


def can_cancel(user):
    return bool(user and user.is_active and user.has_perm("alerts.change_alert"))


def _name(user):
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username()).strip()


def _log(alert, action, user, **data):
    log(instance=alert, action=action, user=user, data={k: v for k, v in data.items() if v})


def _refresh(alert):
    alert.refresh_from_db()
    return alert


def _check_issuable(alert):
    try:
        alert.full_clean(exclude=["identifier"] if alert.pk else None)
    except ValidationError as error:
        problems = "；".join(
            message for messages in error.message_dict.values() for message in messages
        )
        raise IssuingError(_("预警内容不完整：%(problems)s") % {"problems": problems}) from error
    if not alert.areas.exists():
        raise IssuingError(_("请至少选择一个预警区域。"))
    if alert.expires <= timezone.now():
        raise IssuingError(_("失效时间已过，不能发布。"))
    # Read afresh: the alert an update changes may have been cancelled since it was drafted.
    if (
        alert.msg_type == MsgType.UPDATE
        and not Alert.objects.filter(pk=alert.replaces_id, stage=Stage.ISSUED).exists()
    ):
        raise IssuingError(_("所更新的预警已不在发布中，不能更新。"))


def _transition(alert, expected, **changes):
    """Move ``alert`` from stage ``expected``; False when someone else moved it first."""
    changes["updated_at"] = timezone.now()
    moved = Alert.objects.filter(pk=alert.pk, stage=expected).update(**changes)
    return moved == 1


def _issue(alert, user, *, action, reason="", name=None):
    now = timezone.now()
    expected = alert.stage
    # A message read from a CAP source keeps the time its sender gave it.
    sent = alert.sent or now
    if not _transition(alert, expected, stage=Stage.ISSUED, sent=sent, issued_at=now):
        raise IssuingError(_("这条预警的状态已被他人改变，请刷新后再试。"))
    _refresh(alert)
    original = Alert.objects.filter(pk=alert.replaces_id).first()
    if alert.msg_type == MsgType.CANCEL:
        reason = reason or alert.note or alert.cancel_reason
        if original is None or not _transition(
            original, Stage.ISSUED, stage=Stage.CANCELLED, ended_at=now, cancel_reason=reason
        ):
            raise IssuingError(_("所解除的预警已不在发布中。"))
        _refresh(original)
        _log(original, action, user, reason=reason, name=_name(user), by=alert.identifier)
        delivery.cancelled(original)
        return alert
    superseded = None
    if alert.msg_type == MsgType.UPDATE:
        superseded = original
        if not _transition(superseded, Stage.ISSUED, stage=Stage.SUPERSEDED, ended_at=now):
            raise IssuingError(_("所更新的预警已不在发布中，不能更新。"))
        _refresh(superseded)
        _log(superseded, "alerts.supersede", user, by=alert.identifier)
    _log(alert, action, user, reason=reason, name=_name(user) if name is None else name)
    delivery.issued(alert, superseded=superseded)
    return alert


@transaction.atomic
def submit(alert, user):
    """Send a draft on: an Actual alert waits for a second person, others go out now."""
    if alert.stage != Stage.DRAFT:
        raise IssuingError(_("只有草稿可以提交。"))
    if not can_compose(user):
        raise IssuingError(_("您没有发布预警的权限。"))
    _check_issuable(alert)
    if alert.needs_second_person:
        if not _transition(alert, Stage.DRAFT, stage=Stage.AWAITING, submitted_by=user):
            raise IssuingError(_("这条预警的状态已被他人改变，请刷新后再试。"))
        _refresh(alert)
        _log(alert, "alerts.submit", user, name=_name(user))
        return alert
    Alert.objects.filter(pk=alert.pk).update(submitted_by=user)
    alert.submitted_by = user
    return _issue(alert, user, action="alerts.issue")


@transaction.atomic
def confirm(alert, user):
    """The second person's confirmation: the alert goes out."""
    if alert.stage != Stage.AWAITING:
        raise IssuingError(_("这条预警不在待确认状态。"))
    if not can_confirm(user):
        raise IssuingError(
            _("只有“%(group)s”组的成员可以确认正式预警。") % {"group": CONFIRMERS_GROUP}
        )
    if user.pk in {alert.created_by_id, alert.submitted_by_id}:
        raise IssuingError(_("不能确认自己起草或提交的预警，须由另一位审核人确认。"))
    _check_issuable(alert)
    Alert.objects.filter(pk=alert.pk).update(confirmed_by=user)
    alert.confirmed_by = user
    return _issue(alert, user, action="alerts.confirm")


@transaction.atomic
def send_back(alert, user, reason):
    """A confirmer returns an awaiting alert to its drafter, with a reason."""
    if alert.stage != Stage.AWAITING:
        raise IssuingError(_("这条预警不在待确认状态。"))
    if not can_confirm(user):
        raise IssuingError(
            _("只有“%(group)s”组的成员可以退回正式预警。") % {"group": CONFIRMERS_GROUP}
        )
    reason = (reason or "").strip()
    if not reason:
        raise IssuingError(_("请填写退回原因。"))
    if not _transition(alert, Stage.AWAITING, stage=Stage.DRAFT):
        raise IssuingError(_("这条预警的状态已被他人改变，请刷新后再试。"))
    _refresh(alert)
    _log(alert, "alerts.send_back", user, reason=reason, name=_name(user))
    return alert


def _copy(alert, user, msg_type, **overrides):
    """A new draft message about ``alert`` (an Update or a Cancel) with its info copied."""
    fields = {name: getattr(alert, name) for name in INFO_FIELDS}
    fields.update(overrides)
    copy = Alert.objects.create(
        identifier=new_identifier(),
        sender=default_sender(),
        msg_type=msg_type,
        replaces=alert,
        created_by=user,
        stage=Stage.DRAFT,
        **fields,
    )
    copy.areas.set(alert.areas.all())
    copy.explainers.set(alert.explainers.all())
    return copy


@transaction.atomic
def draft_update(alert, user):
    """A draft Update of an issued alert, to be edited and then submitted like any alert."""
    if alert.stage != Stage.ISSUED or alert.msg_type == MsgType.CANCEL:
        raise IssuingError(_("只能更新正在发布中的预警。"))
    if not can_compose(user):
        raise IssuingError(_("您没有发布预警的权限。"))
    update = _copy(alert, user, MsgType.UPDATE)
    _log(update, "alerts.update", user, reason=alert.identifier, name=_name(user))
    return update


@transaction.atomic
def cancel(alert, user, reason):
    """End an issued alert now: one person, with a reason. Returns the Cancel message."""
    reason = (reason or "").strip()
    if not reason:
        raise IssuingError(_("请填写解除原因。"))
    if not can_cancel(user):
        raise IssuingError(_("您没有解除预警的权限。"))
    if alert.stage != Stage.ISSUED or alert.msg_type == MsgType.CANCEL:
        raise IssuingError(_("只能解除正在发布中的预警。"))
    message = _copy(
        alert,
        user,
        MsgType.CANCEL,
        headline=(_("解除：%(headline)s") % {"headline": alert.headline})[:120],
        note=reason,
    )
    Alert.objects.filter(pk=message.pk).update(submitted_by=user)
    return _issue(message, user, action="alerts.cancel", reason=reason)


def expire_due(now=None):
    """End issued alerts whose time is up (and drafts nobody sent before they lapsed)."""
    now = now or timezone.now()
    ended = 0
    due = Alert.objects.filter(
        stage__in=[Stage.ISSUED, Stage.AWAITING],
        msg_type__in=[MsgType.ALERT, MsgType.UPDATE],
        expires__lte=now,
    )
    for alert in due:
        with transaction.atomic():
            was_issued = alert.stage == Stage.ISSUED
            if not _transition(alert, alert.stage, stage=Stage.EXPIRED, ended_at=now):
                continue
            _refresh(alert)
            _log(alert, "alerts.expire", None)
            if was_issued:
                delivery.expired(alert)
            ended += 1
    return f"{ended} alert(s) expired" if ended else None


@transaction.atomic
def issue_from_source(alert, source):
    """Issue a message read from a CAP source without a second person: for ``ingest_cap
    --issue`` and for sources whose rule issues that severity directly. Whoever ran the command
    or configured the source took that decision; the log names the source."""
    _check_issuable(alert)
    reason = _("按来源规则直接发布：%(source)s") % {"source": source}
    return _issue(alert, None, action="alerts.issue", reason=reason, name="")
