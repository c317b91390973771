"""Emergency alerts: each row is one CAP 1.2 message (OASIS Common Alerting Protocol).

A row holds the message's header (identifier, sender, sent, status, msgType, references, scope
``Public``) and its one ``info`` block in zh-CN (category, event, urgency / severity / certainty,
onset, expires, headline, description, instruction, web, areas as regions of the tree).

``stage`` is the platform's lifecycle around the message, not part of CAP: an ``Actual`` alert
waits (``awaiting``) for a second person of 应急发布审核 before it is ``issued``; ``Exercise``
and ``Test`` go out with one person. An issued alert ends ``cancelled`` (by a Cancel message),
``superseded`` (by an issued Update) or ``expired``. Updates and Cancels are rows of their own
that name the alert they change in ``replaces``; the steps themselves are in ``alerts.issuing``.
"""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from content.models import EmergencyGuidePage, Region
from content.models.pages import action_lines_problem, split_action_lines

IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9_.:@\-]{1,128}$")


class Status(models.TextChoices):
    ACTUAL = "Actual", _("正式发布")
    EXERCISE = "Exercise", _("演练")
    TEST = "Test", _("测试")


class MsgType(models.TextChoices):
    ALERT = "Alert", _("预警")
    UPDATE = "Update", _("更新")
    CANCEL = "Cancel", _("解除")


class Category(models.TextChoices):
    MET = "Met", _("气象")
    GEO = "Geo", _("地质（地震等）")
    SAFETY = "Safety", _("公共安全")
    SECURITY = "Security", _("社会安全")
    RESCUE = "Rescue", _("救援")
    FIRE = "Fire", _("火灾")
    HEALTH = "Health", _("卫生健康")
    ENV = "Env", _("环境")
    TRANSPORT = "Transport", _("交通")
    INFRA = "Infra", _("基础设施")
    CBRNE = "CBRNE", _("危化品与核生化")
    OTHER = "Other", _("其他")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("立即")
    EXPECTED = "Expected", _("即将（1 小时内）")
    FUTURE = "Future", _("近期")
    PAST = "Past", _("已过去")
    UNKNOWN = "Unknown", _("未知")


class Severity(models.TextChoices):
    """China's four warning colours are CAP severities: 蓝 Minor, 黄 Moderate, 橙 Severe, 红
    Extreme."""

    EXTREME = "Extreme", _("红色（特别严重）")
    SEVERE = "Severe", _("橙色（严重）")
    MODERATE = "Moderate", _("黄色（较重）")
    MINOR = "Minor", _("蓝色（一般）")
    UNKNOWN = "Unknown", _("未定级")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("已发生")
    LIKELY = "Likely", _("很可能")
    POSSIBLE = "Possible", _("可能")
    UNLIKELY = "Unlikely", _("不太可能")
    UNKNOWN = "Unknown", _("未知")


class Stage(models.TextChoices):
    DRAFT = "draft", _("草稿")
    AWAITING = "awaiting", _("待审核确认")
    ISSUED = "issued", _("已发布")
    CANCELLED = "cancelled", _("已解除")
    SUPERSEDED = "superseded", _("已被更新取代")
    EXPIRED = "expired", _("已过期")


# (colour, label, rank): rank orders alerts most severe first.
SEVERITY_COLOURS = {
    Severity.MINOR: ("blue", _("蓝色"), 1),
    Severity.MODERATE: ("yellow", _("黄色"), 2),
    Severity.SEVERE: ("orange", _("橙色"), 3),
    Severity.EXTREME: ("red", _("红色"), 4),
}
STATUS_LABELS = {Status.EXERCISE: _("演练"), Status.TEST: _("测试")}
# A CAP message may name an area by any code above ours: a province-wide alert covers the city.
GEOCODE_NAME = "GB/T 2260"


class AlertQuerySet(models.QuerySet):
    def active(self, now=None):
        """Issued alerts and updates that have not expired: what screens and the site show."""
        return self.filter(
            stage=Stage.ISSUED,
            msg_type__in=[MsgType.ALERT, MsgType.UPDATE],
            expires__gt=now or timezone.now(),
        )

    def most_severe_first(self):
        order = models.Case(
            *(
                models.When(severity=sev, then=rank)
                for sev, (_c, _l, rank) in SEVERITY_COLOURS.items()
            ),
            default=0,
            output_field=models.IntegerField(),
        )
        return self.alias(rank=order).order_by("-rank", "-sent", "-pk")


class Alert(models.Model):
    identifier = models.CharField(_("标识"), max_length=128, unique=True)
    sender = models.CharField(_("发布者"), max_length=200)
    sender_name = models.CharField(_("发布单位"), max_length=200)
    sent = models.DateTimeField(_("发布时间"), null=True, blank=True)
    status = models.CharField(
        _("性质"), max_length=10, choices=Status.choices, default=Status.ACTUAL
    )
    msg_type = models.CharField(
        _("消息类型"), max_length=10, choices=MsgType.choices, default=MsgType.ALERT
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("所更新或解除的预警"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changed_by",
    )
    note = models.TextField(_("说明"), blank=True)

    category = models.CharField(
        _("类别"), max_length=10, choices=Category.choices, default=Category.MET
    )
    event = models.CharField(_("事件"), max_length=60, help_text=_("例如：寒潮蓝色预警"))
    urgency = models.CharField(
        _("紧迫程度"), max_length=10, choices=Urgency.choices, default=Urgency.EXPECTED
    )
    severity = models.CharField(_("预警级别"), max_length=10, choices=Severity.choices)
    certainty = models.CharField(
        _("确定程度"), max_length=10, choices=Certainty.choices, default=Certainty.LIKELY
    )
    onset = models.DateTimeField(_("开始时间"), null=True, blank=True)
    expires = models.DateTimeField(_("失效时间"))
    headline = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("详情"))
    instruction = models.TextField(
        _("行动要点"),
        help_text=_("每行一条，3—6 条，每条不超过 30 个字；电子屏全屏显示这些要点。"),
    )
    areas = models.ManyToManyField(Region, verbose_name=_("预警区域"), related_name="+")
    area_desc = models.CharField(_("区域说明"), max_length=500, blank=True)
    explainers = models.ManyToManyField(
        EmergencyGuidePage, verbose_name=_("关联应急科普"), blank=True, related_name="+"
    )

    stage = models.CharField(
        _("状态"), max_length=12, choices=Stage.choices, default=Stage.DRAFT, db_index=True
    )
    source = models.CharField(_("来源"), max_length=500, default="admin")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("起草人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("解除原因"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("应急预警")
        verbose_name_plural = _("应急预警")
        ordering = ["-created_at", "-pk"]
        permissions = [("confirm_alert", _("审核确认正式预警"))]
        indexes = [models.Index(fields=["stage", "expires"])]

    def __str__(self):
        return f"{self.headline} ({self.identifier})"

    def save(self, *args, **kwargs):
        # CAP carries whole seconds, and so do the cards that screens keep and judge offline: a
        # time with a fraction goes to the next second, so that every surface agrees and none
        # ends (or starts) the alert before the time given.
        self.onset, self.expires = _up_to_second(self.onset), _up_to_second(self.expires)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("alerts:detail", args=[self.identifier])

    # --- derived ---------------------------------------------------------------------------

    @property
    def instruction_lines(self):
        return split_action_lines(self.instruction)

    @property
    def colour(self):
        return SEVERITY_COLOURS.get(self.severity, ("", "", 0))[0]

    @property
    def colour_label(self):
        return str(SEVERITY_COLOURS.get(self.severity, ("", "", 0))[1])

    @property
    def rank(self):
        return SEVERITY_COLOURS.get(self.severity, ("", "", 0))[2]

    @property
    def label(self):
        """演练 / 测试 for messages that are not real, shown wherever the alert appears."""
        return str(STATUS_LABELS.get(self.status, ""))

    @property
    def needs_second_person(self):
        return self.status == Status.ACTUAL and self.msg_type != MsgType.CANCEL

    def is_active(self, now=None):
        return (
            self.stage == Stage.ISSUED
            and self.msg_type != MsgType.CANCEL
            and self.expires > (now or timezone.now())
        )

    def get_full_url(self):
        return settings.SITE_URL + self.get_absolute_url()

    def cap_url(self):
        return settings.SITE_URL + reverse("alerts:cap", args=[self.identifier])

    def clean(self):
        errors = {}
        if self.identifier and not IDENTIFIER_PATTERN.match(self.identifier):
            errors["identifier"] = _("标识只能包含字母、数字和 _ . : @ -，不超过 128 个字符。")
        if self.msg_type != MsgType.CANCEL:
            problem = action_lines_problem(self.instruction_lines)
            if problem:
                errors["instruction"] = problem
        if self.onset and self.expires and self.expires <= self.onset:
            errors["expires"] = _("失效时间必须晚于开始时间。")
        if self.msg_type in (MsgType.UPDATE, MsgType.CANCEL) and not self.replaces_id:
            errors["replaces"] = _("更新或解除须指明所针对的预警。")
        if errors:
            raise ValidationError(errors)


def _up_to_second(moment):
    if moment is None or not moment.microsecond:
        return moment
    return moment.replace(microsecond=0) + datetime.timedelta(seconds=1)


class AlertAckQuerySet(models.QuerySet):
    def record(self, alert_id, screen_id, at):
        """Store that the screen displayed the alert at ``at`` unless it already said so;
        (the stored time, True when this was the first report).

        A thousand screens acknowledge within seconds of each other, so the first report is one
        statement (an insert that returns its row, where the database can), not a transaction
        around an insert and a read; only a repeat reads the stored time back."""
        connection = connections[self.db]
        if connection.features.can_return_rows_from_bulk_insert:
            table = connection.ops.quote_name(self.model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (alert_id, screen_id, acknowledged_at) "  # noqa: S608
                    "VALUES (%s, %s, %s) ON CONFLICT (alert_id, screen_id) DO NOTHING "
                    "RETURNING alert_id",
                    [alert_id, screen_id, connection.ops.adapt_datetimefield_value(at)],
                )
                first = cursor.fetchone() is not None
        else:
            self.bulk_create(
                [self.model(alert_id=alert_id, screen_id=screen_id, acknowledged_at=at)],
                ignore_conflicts=True,
            )
            first = None
        if first:
            return at, True
        stored = (
            self.filter(alert_id=alert_id, screen_id=screen_id)
            .values_list("acknowledged_at", flat=True)
            .get()
        )
        return stored, stored == at


class AlertAck(models.Model):
    """A screen confirmed it displayed an alert (the first report counts; repeats are no-ops)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="acks")
    screen = models.ForeignKey("screens.Screen", on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField()

    objects = AlertAckQuerySet.as_manager()

    class Meta:
        verbose_name = _("屏幕确认")
        constraints = [
            models.UniqueConstraint(fields=["alert", "screen"], name="alerts_ack_once_per_screen")
        ]

    def __str__(self):
        return f"{self.alert_id} @ {self.screen_id}"
