from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from treebeard.mp_tree import MP_Node
from wagtail.admin.panels import FieldPanel
from wagtail.search import index


class Audience(index.Indexed, models.Model):
    """The controlled audience vocabulary of the city plan; slugs are stable public identifiers."""

    name = models.CharField(_("名称"), max_length=50)
    slug = models.SlugField(_("标识"), max_length=30, unique=True)
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.FilterField("slug")]

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("受众")
        verbose_name_plural = _("受众")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"/for/{self.slug}/"


class Region(MP_Node):
    """呼和浩特市 → 旗县区 (GB/T 2260) → 乡镇/街道 added by editors."""

    name = models.CharField(_("名称"), max_length=60)
    code = models.CharField(
        _("区划代码"),
        max_length=12,
        unique=True,
        help_text=_("GB/T 2260 行政区划代码；乡镇街道使用 9 或 12 位统计用区划代码。"),
    )

    node_order_by = ["code"]
    panels = [FieldPanel("name"), FieldPanel("code")]

    class Meta:
        verbose_name = _("地区")
        verbose_name_plural = _("地区")

    def __str__(self):
        return self.name

    @property
    def indented_name(self):
        return "\u3000" * (self.depth - 1) + self.name


class ContentPageTag(TaggedItemBase):
    """Topics. Keyed to Page so that one tag table serves every content page type."""

    content_object = ParentalKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = _("主题标签")
        verbose_name_plural = _("主题标签")


class Hazard(models.TextChoices):
    EARTHQUAKE = "earthquake", _("地震")
    FLOOD = "flood", _("洪涝")
    SANDSTORM = "sandstorm", _("沙尘暴")
    BLIZZARD = "blizzard", _("暴雪")
    COLD_WAVE = "cold_wave", _("寒潮")
    HEATWAVE = "heatwave", _("高温")
    THUNDERSTORM = "thunderstorm", _("雷电")
    WILDFIRE = "wildfire", _("森林草原火灾")
    GAS = "gas", _("燃气泄漏/一氧化碳中毒")
    EPIDEMIC = "epidemic", _("传染病")
    FOOD_SAFETY = "food_safety", _("食品安全")
    OTHER = "other", _("其他")


class Phase(models.TextChoices):
    BEFORE = "before", _("预防")
    DURING = "during", _("应对")
    AFTER = "after", _("恢复")
