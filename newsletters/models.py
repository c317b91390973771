"""Newsletter subscribers and the suppression list.

A ``Subscriber`` is one address with its preferences (audiences, topics, regions: empty means
all; a cadence; whether it wants emergency alerts for its regions). It starts ``pending`` and
becomes ``confirmed`` only by the POST of the confirmation page (double opt-in); the wording
consented to and the time are kept with it. ``secret`` signs its links (confirmation,
preference centre, unsubscribe): replacing it revokes every link sent so far.

``Suppression`` is the list of addresses never to be mailed again: unsubscribed, bounced,
complained, or erased on request. It is keyed on the SHA-256 of the normalised address, so an
erased address leaves only that hash behind. ``SignupAttempt`` counts sign-up requests per
address (hashed) so the rate limit holds across processes on any database.
"""

import hashlib
import secrets

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from content.models import Audience, Region


def normalise_email(email):
    """The form every address is stored, compared and hashed in: trimmed, lower case."""
    return (email or "").strip().lower()


def email_hash(email):
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def new_secret():
    return secrets.token_urlsafe(24)


class Status(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已订阅")
    UNSUBSCRIBED = "unsubscribed", _("已退订")


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")


class Subscriber(models.Model):
    email = models.EmailField(_("电子邮箱"), max_length=254)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    cadence = models.CharField(
        _("频率"), max_length=8, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    emergency = models.BooleanField(_("接收所选地区的应急预警"), default=False)
    audiences = models.ManyToManyField(
        Audience, blank=True, related_name="+", verbose_name=_("受众")
    )
    topics = models.ManyToManyField(Tag, blank=True, related_name="+", verbose_name=_("主题"))
    regions = models.ManyToManyField(Region, blank=True, related_name="+", verbose_name=_("地区"))
    consent_text = models.TextField(_("同意的文字"), blank=True)
    consented_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # The latest sign-up request: an unconfirmed one expires 7 days after it.
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    last_digest_at = models.DateTimeField(
        _("上次简报时间"), null=True, blank=True, help_text=_("为空时从确认时间算起。")
    )
    secret = models.CharField(_("链接密钥"), max_length=64, default=new_secret, editable=False)

    class Meta:
        verbose_name = _("订阅者")
        verbose_name_plural = _("订阅者")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="newsletters_subscriber_email_ci")
        ]
        indexes = [models.Index(fields=["status", "cadence"], name="newsletters_sub_due")]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def content_filter(self):
        """The subscriber's preferences as the site's one content filter (empty key = all)."""
        from content.filters import ContentFilter

        return ContentFilter(
            audiences=tuple(sorted(a.slug for a in self.audiences.all())),
            topics=tuple(sorted(t.slug for t in self.topics.all())),
            regions=tuple(sorted(r.code for r in self.regions.all())),
        )

    def rotate_secret(self):
        """Revoke every link sent so far (the caller saves)."""
        self.secret = new_secret()


class Reason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("退订")
    BOUNCED = "bounced", _("退信")
    COMPLAINED = "complained", _("投诉")
    ERASED = "erased", _("应要求删除")


class Suppression(models.Model):
    email_hash = models.CharField(_("邮箱摘要"), max_length=64, unique=True)
    email = models.EmailField(_("电子邮箱"), max_length=254, blank=True)
    reason = models.CharField(_("原因"), max_length=12, choices=Reason.choices)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("停发名单")
        verbose_name_plural = _("停发名单")

    def __str__(self):
        return self.email or self.email_hash[:12]


class SignupAttempt(models.Model):
    """One sign-up request that would send mail, for the per-address rate limit."""

    email_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["email_hash", "created_at"], name="newsletters_attempt")]

    def __str__(self):
        return f"{self.email_hash[:12]} {self.created_at:%Y-%m-%d %H:%M}"


# The delivery ledger (mailings and deliveries) lives in its own module; Django finds models
# through this one.
from .ledger import Delivery, DigestRun, Issue, Mailing  # noqa: E402, F401
