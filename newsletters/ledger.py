"""The delivery ledger: what was mailed to whom, and how far each message got.

A ``Mailing`` is one email built once (a digest for one set of items, an editor's issue, an
alert): subject, HTML and text with placeholders for the recipient's own links. A ``Delivery``
is one row per (mailing, subscriber), unique, so nothing is queued or sent twice. Its status
moves queued → sending (claimed by one worker, see ``newsletters.sending``) → sent, or back to
queued for a retry after a temporary SMTP failure, or to failed / bounced / suppressed.

``DigestRun`` records each scheduled digest run (cadence and period), so the periodic job
starts a period's digest once however many workers ask.
"""

from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from .models import Subscriber


class MailingKind(models.TextChoices):
    DIGEST = "digest", _("定期简报")
    ISSUE = "issue", _("编辑简报")
    ALERT = "alert", _("应急预警")


class Mailing(models.Model):
    kind = models.CharField(_("类型"), max_length=8, choices=MailingKind.choices)
    # A mailing that must exist once (an alert's issue or cancel) names itself here.
    key = models.CharField(_("标识"), max_length=200, null=True, blank=True, unique=True)
    subject = models.CharField(_("主题"), max_length=200)
    html = models.TextField(_("HTML 正文"))
    text = models.TextField(_("纯文本正文"))
    # Lower is sent first: alerts before digests.
    priority = models.PositiveSmallIntegerField(_("优先级"), default=50)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("邮件")
        verbose_name_plural = _("邮件")

    def __str__(self):
        return self.subject


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败")
    BOUNCED = "bounced", _("退信")
    SUPPRESSED = "suppressed", _("已停发")


class Delivery(models.Model):
    mailing = models.ForeignKey(
        Mailing, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("邮件")
    )
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("订阅者")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    priority = models.PositiveSmallIntegerField(_("优先级"), default=50)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    # The worker that claimed the row, and until when the claim holds (a dead worker's claim
    # lapses and the row is sent by the next).
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投递")
        verbose_name_plural = _("投递")
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "subscriber"], name="newsletters_delivery_once"
            )
        ]
        indexes = [
            models.Index(fields=["status", "priority", "next_attempt_at"], name="newsletters_due"),
            models.Index(fields=["claimed_by"], name="newsletters_claim"),
        ]

    def __str__(self):
        return f"{self.mailing_id} → {self.subscriber_id}: {self.status}"


def queue_deliveries(mailing, subscriber_pks, now, batch_size=2000):
    """One queued delivery of ``mailing`` per subscriber, due ``now`` (plain INSERTs: a
    digest writes tens of thousands of these, and the ORM's per-row work was most of it)."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    due = connection.ops.adapt_datetimefield_value(now)
    rows = [
        (mailing.pk, pk, DeliveryStatus.QUEUED.value, mailing.priority, 0, "", "", due, "")
        for pk in subscriber_pks
    ]
    sql = (
        f"INSERT INTO {table} (mailing_id, subscriber_id, status, priority, attempts, "  # noqa: S608
        "last_error, message_id, next_attempt_at, claimed_by) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start : start + batch_size])


class DigestRun(models.Model):
    cadence = models.CharField(max_length=8)
    period = models.CharField(max_length=16)
    started_at = models.DateTimeField(auto_now_add=True)
    mailings = models.PositiveIntegerField(default=0)
    deliveries = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cadence", "period"], name="newsletters_run_once")
        ]

    def __str__(self):
        return f"{self.cadence} {self.period}"


class Issue(models.Model):
    """An editor-composed 科普简报: an intro, chosen content, a segment, sent once."""

    subject = models.CharField(_("标题"), max_length=120)
    intro = models.TextField(_("导语"), blank=True)
    items = models.ManyToManyField(
        "wagtailcore.Page", related_name="+", verbose_name=_("内容"),
        help_text=_("只能选择已通过科学性审核并公开发布的内容。"),
    )  # fmt: skip
    audiences = models.ManyToManyField(
        "content.Audience", blank=True, related_name="+", verbose_name=_("受众"),
        help_text=_("不选则为全部受众。"),
    )  # fmt: skip
    topics = models.ManyToManyField(
        "taggit.Tag", blank=True, related_name="+", verbose_name=_("主题"),
        help_text=_("不选则为全部主题。"),
    )  # fmt: skip
    regions = models.ManyToManyField(
        "content.Region", blank=True, related_name="+", verbose_name=_("地区"),
        help_text=_("不选则为全市。"),
    )  # fmt: skip
    send_at = models.DateTimeField(
        _("定时发送"), null=True, blank=True, help_text=_("留空则在详情页手动发送。")
    )
    mailing = models.OneToOneField(
        Mailing, null=True, blank=True, editable=False, on_delete=models.SET_NULL,
        related_name="issue", verbose_name=_("邮件"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("科普简报（期）")
        verbose_name_plural = _("科普简报（期）")
        ordering = ["-created_at"]

    def __str__(self):
        return self.subject
