"""Screens in public places, what they play and what they report back.

A screen's manifest depends on its own settings, its group(s), the playlists and schedules that
reach it, and the content. ``config_version`` on the screen counts changes to the first three;
the content generation (see ``screens.versions``) counts the last. Both together make the
manifest version, so a poll can be answered from the cache alone.
"""

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from content.models import Audience, ContentSelection, Region

# Players send a heartbeat every minute (static/screen/offline.js, HEARTBEAT_MS): two missed
# ones mean a screen is offline, in the screens list and in an alert's operator console alike.
HEARTBEAT_SECONDS = 60
OFFLINE_AFTER = datetime.timedelta(seconds=2 * HEARTBEAT_SECONDS)


class PlaceType(models.TextChoices):
    STREET = "street", _("街道")
    SQUARE = "square", _("广场")
    PARK = "park", _("公园")
    STATION = "station", _("车站")
    AIRPORT = "airport", _("机场")
    COMMUNITY = "community", _("社区")
    SCHOOL = "school", _("学校")
    MUSEUM = "museum", _("科技馆")
    HOSPITAL = "hospital", _("医院")
    OTHER = "other", _("其他")


class Orientation(models.TextChoices):
    LANDSCAPE = "landscape", _("横屏")
    PORTRAIT = "portrait", _("竖屏")


class PlaylistOrder(models.TextChoices):
    ORDERED = "ordered", _("按顺序：先手选内容，再按规则从新到旧")
    WEIGHTED = "weighted", _("按权重：权重高的内容在一轮中出现更多次")


class Playlist(ContentSelection, ClusterableModel):
    """Rules (types, audiences, topics, regions, newest N, max age) and/or hand-picked items.

    The rules are real relations to the taxonomy (``content.models.ContentSelection``), so a
    topic merge or rename reaches the playlist."""

    name = models.CharField(_("名称"), max_length=80, unique=True)
    use_rules = models.BooleanField(
        _("按规则选取内容"), default=True, help_text=_("关闭时只播放手选内容。")
    )
    newest = models.PositiveSmallIntegerField(
        _("最新 N 条"), default=20, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    max_age_days = models.PositiveIntegerField(
        _("最长发布天数"), null=True, blank=True, help_text=_("留空为不限。")
    )
    order = models.CharField(
        _("播放顺序"), max_length=10, choices=PlaylistOrder.choices, default=PlaylistOrder.ORDERED
    )
    card_seconds = models.PositiveSmallIntegerField(_("图文卡片时长（秒）"), default=15)
    panel_seconds = models.PositiveSmallIntegerField(_("漫画每格时长（秒）"), default=8)
    rule_note = models.TextField(
        _("规则待核对"),
        blank=True,
        help_text=_("系统发现规则中有无法识别的内容时写在这里；核对并修改规则后可清空。"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("name"),
        MultiFieldPanel(
            [
                FieldPanel("rule_note"),
                FieldPanel("use_rules"),
                FieldPanel("kinds"),
                FieldPanel("audiences"),
                FieldPanel("topics"),
                FieldPanel("regions"),
                FieldRowPanel([FieldPanel("newest"), FieldPanel("max_age_days")]),
            ],
            heading=_("规则"),
        ),
        InlinePanel("items", label=_("手选内容")),
        FieldPanel("order"),
        FieldRowPanel([FieldPanel("card_seconds"), FieldPanel("panel_seconds")]),
    ]

    class Meta:
        verbose_name = _("播放列表")
        verbose_name_plural = _("播放列表")

    def __str__(self):
        return self.name


class PlaylistItem(Orderable):
    playlist = ParentalKey(Playlist, on_delete=models.CASCADE, related_name="items")
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("内容"), on_delete=models.CASCADE, related_name="+"
    )
    weight = models.PositiveSmallIntegerField(
        _("权重"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    panels = [FieldPanel("page"), FieldPanel("weight")]

    class Meta(Orderable.Meta):
        verbose_name = _("手选内容")


class ScreenGroup(models.Model):
    """All screens in a region (and everything below it), optionally of one place type."""

    name = models.CharField(_("名称"), max_length=80, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("地区"), null=True, blank=True, on_delete=models.CASCADE
    )
    place = models.CharField(_("场所类型"), max_length=12, choices=PlaceType.choices, blank=True)
    playlist = models.ForeignKey(
        Playlist,
        verbose_name=_("播放列表"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups",
    )

    panels = [FieldPanel("name"), FieldPanel("region"), FieldPanel("place"), FieldPanel("playlist")]

    class Meta:
        verbose_name = _("电子屏分组")
        verbose_name_plural = _("电子屏分组")

    def __str__(self):
        return self.name

    def screens(self):
        queryset = Screen.objects.all()
        if self.region_id:
            queryset = queryset.filter(region__path__startswith=self.region.path)
        if self.place:
            queryset = queryset.filter(place=self.place)
        return queryset


class Screen(models.Model):
    name = models.CharField(_("名称"), max_length=80)
    region = models.ForeignKey(Region, verbose_name=_("地区"), on_delete=models.PROTECT)
    place = models.CharField(_("场所类型"), max_length=12, choices=PlaceType.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    orientation = models.CharField(
        _("方向"), max_length=10, choices=Orientation.choices, default=Orientation.LANDSCAPE
    )
    width = models.PositiveSmallIntegerField(
        _("宽（像素）"), default=1920, validators=[MinValueValidator(160), MaxValueValidator(7680)]
    )
    height = models.PositiveSmallIntegerField(
        _("高（像素）"), default=1080, validators=[MinValueValidator(160), MaxValueValidator(7680)]
    )
    audiences = models.ManyToManyField(
        Audience,
        verbose_name=_("受众侧重"),
        blank=True,
        help_text=_("默认播放列表优先选取面向这些受众的内容。"),
    )
    playlist = models.ForeignKey(
        Playlist,
        verbose_name=_("播放列表"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screens",
        help_text=_("留空时播放分组的列表，再没有则播放本地区和全市最新内容。"),
    )
    enabled = models.BooleanField(_("启用"), default=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    token_issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    config_version = models.PositiveIntegerField(default=1, editable=False)

    # Status, written by heartbeats only (queryset.update, so no version bump).
    last_seen_at = models.DateTimeField(_("最近在线"), null=True, blank=True, editable=False)
    player_version = models.CharField(_("播放器版本"), max_length=40, blank=True, editable=False)
    current_item = models.CharField(_("正在播放"), max_length=40, blank=True, editable=False)
    free_storage_bytes = models.BigIntegerField(_("剩余存储"), null=True, editable=False)
    clock_skew_ms = models.BigIntegerField(_("时钟偏差（毫秒）"), null=True, editable=False)
    online_since = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("region"), FieldPanel("place")]),
        FieldPanel("address"),
        FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
        FieldRowPanel([FieldPanel("orientation"), FieldPanel("width"), FieldPanel("height")]),
        FieldPanel("audiences"),
        FieldPanel("playlist"),
        FieldPanel("enabled"),
    ]

    class Meta:
        verbose_name = _("电子屏")
        verbose_name_plural = _("电子屏")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    @property
    def has_token(self):
        return bool(self.token_hash)

    def groups(self):
        """The groups this screen belongs to: its region or one above it, and a matching place."""
        ancestors = [self.region.path[:end] for end in range(4, len(self.region.path) + 1, 4)]
        return (
            ScreenGroup.objects.filter(
                models.Q(region__isnull=True) | models.Q(region__path__in=ancestors)
            )
            .filter(models.Q(place="") | models.Q(place=self.place))
            .select_related("playlist")
        )

    def is_online(self, now=None):
        if self.last_seen_at is None:
            return False
        return self.last_seen_at >= (now or timezone.now()) - OFFLINE_AFTER


class Schedule(models.Model):
    """A playlist shown to a screen or a group during time windows; the highest priority wins.

    Emergency schedules beat every normal one whatever their priority, so an emergency explainer
    interrupts the loop at once.
    """

    playlist = models.ForeignKey(
        Playlist, verbose_name=_("播放列表"), on_delete=models.CASCADE, related_name="schedules"
    )
    screen = models.ForeignKey(
        Screen,
        verbose_name=_("电子屏"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="schedules",
    )
    group = models.ForeignKey(
        ScreenGroup,
        verbose_name=_("分组"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="schedules",
    )
    priority = models.SmallIntegerField(_("优先级"), default=10)
    emergency = models.BooleanField(_("应急插播"), default=False)
    start_time = models.TimeField(_("每天开始"), null=True, blank=True)
    end_time = models.TimeField(
        _("每天结束"), null=True, blank=True, help_text=_("早于开始时间表示跨越午夜。")
    )
    weekdays = models.CharField(
        _("星期"),
        max_length=7,
        default="1234567",
        help_text=_("1 为周一……7 为周日，例如 12345 为工作日。"),
    )
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("含当天。"))
    enabled = models.BooleanField(_("启用"), default=True)

    panels = [
        FieldPanel("playlist"),
        FieldRowPanel([FieldPanel("screen"), FieldPanel("group")]),
        FieldRowPanel([FieldPanel("priority"), FieldPanel("emergency")]),
        FieldRowPanel([FieldPanel("start_time"), FieldPanel("end_time")]),
        FieldPanel("weekdays"),
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldPanel("enabled"),
    ]

    class Meta:
        verbose_name = _("排期")
        verbose_name_plural = _("排期")
        ordering = ["-emergency", "-priority", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(screen__isnull=False) | models.Q(group__isnull=False),
                name="screens_schedule_has_target",
            )
        ]

    def __str__(self):
        target = self.screen or self.group
        return f"{self.playlist} → {target}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if not self.screen_id and not self.group_id:
            errors["screen"] = _("请选择电子屏或分组。")
        if not self.weekdays or any(day not in "1234567" for day in self.weekdays):
            errors["weekdays"] = _("只能填写 1—7。")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("结束日期早于开始日期。")
        if (self.start_time is None) != (self.end_time is None):
            errors["end_time"] = _("开始和结束时间需同时填写或同时留空。")
        if errors:
            raise ValidationError(errors)


class Pairing(models.Model):
    """A code shown by an unpaired player until an editor claims it for a screen."""

    code = models.CharField(max_length=6, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    screen = models.ForeignKey(Screen, null=True, blank=True, on_delete=models.CASCADE)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("配对码")

    def __str__(self):
        return self.code


class Play(models.Model):
    """Proof of play: one item shown once on one screen, as the player reported it."""

    uuid = models.UUIDField(unique=True)
    screen = models.ForeignKey(Screen, on_delete=models.CASCADE, related_name="plays")
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=255)
    started_at = models.DateTimeField(help_text="as the player's clock says")
    duration_ms = models.PositiveIntegerField()
    received_at = models.DateTimeField(help_text="server time when the report arrived")
    clock_skew_ms = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("播放记录")
        indexes = [models.Index(fields=["screen", "-started_at"])]

    def __str__(self):
        return f"{self.title} @ {self.started_at:%Y-%m-%d %H:%M}"


class MediaDigest(models.Model):
    """The SHA-256 of a stored file, computed once per (name, size, mtime), never per request."""

    name = models.CharField(max_length=400, unique=True)
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self):
        return self.name


class OfferedItem(models.Model):
    """An item one of this screen's manifests offered: proof of play is accepted for these only.

    Bounded per screen (``screens.offers``): rows older than the plays' 30-day window, and beyond
    a count cap, are pruned whenever a new manifest is recorded.
    """

    screen = models.ForeignKey(Screen, on_delete=models.CASCADE, related_name="+")
    item = models.CharField(max_length=40)
    offered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("已下发节目")
        constraints = [
            models.UniqueConstraint(fields=["screen", "item"], name="screens_offered_item_unique")
        ]
        indexes = [models.Index(fields=["screen", "offered_at"])]

    def __str__(self):
        return self.item
