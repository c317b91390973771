from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from content.blocks import ArticleBodyBlock
from content.restrictions import cached_view_restrictions
from content.text import control_characters_problems

from .taxonomy import Audience, ContentPageTag, Hazard, Phase, Region

ACTION_LINE_MAX_LENGTH = 30
ACTION_LINES_MIN, ACTION_LINES_MAX = 3, 6


class ContentPage(Page):
    """What every piece of science content shares: taxonomy, identity in the knowledge base and
    the science-review record. Abstract, so no page type pays for an extra join."""

    content_kind = ""  # the public type name: article, video, comic, emergency
    content_kind_label = ""

    summary = models.TextField(
        _("摘要"), max_length=300, help_text=_("一两句话说明要点，显示在列表、电子屏和订阅中。")
    )
    cover_image = models.ForeignKey(
        settings.WAGTAILIMAGES_IMAGE_MODEL,
        verbose_name=_("封面图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("正文"), blank=True)
    audiences = ParentalManyToManyField(
        Audience, verbose_name=_("受众"), blank=True, related_name="+"
    )
    regions = ParentalManyToManyField(Region, verbose_name=_("地区"), blank=True, related_name="+")
    tags = ClusterTaggableManager(
        through=ContentPageTag, verbose_name=_("主题"), blank=True, help_text=_("例如：应急避险")
    )
    source = models.CharField(_("来源"), max_length=60, default="科普青城")
    external_id = models.CharField(
        _("来源编号"),
        max_length=100,
        null=True,
        blank=True,
        help_text=_("知识库导入时的编号；与来源一起唯一标识一条内容。"),
    )
    reviewed_by = models.CharField(_("审核专家"), max_length=60, blank=True)
    review_organisation = models.CharField(_("审核单位"), max_length=120, blank=True)
    reviewed_at = models.DateField(_("审核日期"), null=True, blank=True)
    # Set only by the emergency bypass (content.review.emergency_publish), cleared by a review.
    emergency_published_by = models.CharField(
        _("紧急发布人（未经审核）"), max_length=60, blank=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("cover_image"),
    ]
    taxonomy_panels = [
        MultiFieldPanel(
            [
                FieldPanel("audiences", widget=forms.CheckboxSelectMultiple),
                FieldPanel("tags"),
                FieldPanel("regions", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("分类"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("source"), FieldPanel("external_id")]),
                FieldRowPanel(
                    [
                        FieldPanel("reviewed_by", read_only=True),
                        FieldPanel("review_organisation", read_only=True),
                        FieldPanel("reviewed_at", read_only=True),
                        FieldPanel("emergency_published_by", read_only=True),
                    ]
                ),
            ],
            heading=_("来源与科学性审核"),
        ),
    ]

    search_fields = [
        *Page.search_fields,
        # title (boost 2 on Page) > summary > body: the boosts become tsvector weights B, C, D
        index.SearchField("summary", boost=1.5),
        index.SearchField("body"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.RelatedFields("audiences", [index.SearchField("name")]),
        index.RelatedFields("regions", [index.SearchField("name")]),
        index.FilterField("source"),
    ]

    parent_page_types = ["content.ContentIndexPage"]
    subpage_types = []
    # A copy is new content: it carries no review record until it is reviewed itself.
    exclude_fields_in_copy = [
        "reviewed_by",
        "review_organisation",
        "reviewed_at",
        "emergency_published_by",
    ]

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="%(app_label)s_%(class)s_identity"
            )
        ]

    def get_view_restrictions(self):
        # No query per request while the site has no view restrictions (content/restrictions.py).
        return cached_view_restrictions(self)

    def route(self, request, path_components):
        refuse_if_expired(self)
        return super().route(request, path_components)

    # Set by content.review while publishing a page it has just cleaned and saved.
    skip_next_clean = False
    # The revision content.review.publish_cleared has just cleared for this very instance.
    _cleared_revision_id = None

    def save(self, *args, **kwargs):
        if self.skip_next_clean:
            self.skip_next_clean = False
            kwargs["clean"] = False
        update_fields = kwargs.get("update_fields")
        publishes = update_fields is None or {"live", "live_revision"} & set(update_fields)
        if self.pk is not None and self.live and self.live_revision_id and publishes:
            from content.review import require_clearance

            require_clearance(self)
        return super().save(*args, **kwargs)

    def copy(self, *args, **kwargs):
        # A copy is new content: it goes through the review before it is published.
        return super().copy(*args, **{**kwargs, "keep_live": False})

    def permissions_for_user(self, user):
        from content.review import ContentPermissionTester

        return ContentPermissionTester(user, self)

    def clean(self):
        super().clean()
        # Every editable text field and the body: one control character would break what
        # readers get (feeds, screens), so the form refuses it, on the field that holds it.
        values = {
            field.name: field.value_from_object(self)
            for field in self._meta.concrete_fields
            if field.editable and isinstance(field, models.CharField | models.TextField)
        }
        values["body"] = self.body.get_prep_value()
        problems = control_characters_problems(values)
        if problems:
            raise ValidationError(problems)

    @property
    def review_record(self):
        from content.review import review_record

        return review_record(self)

    @property
    def review_label(self):
        from content.review import review_label

        return review_label(self)


class ArticlePage(ContentPage):
    content_kind = "article"
    content_kind_label = _("文章")

    content_panels = [*ContentPage.content_panels, FieldPanel("body")]
    promote_panels = [*ContentPage.taxonomy_panels, *Page.promote_panels]
    template = "pages/article_page.html"

    class Meta:
        verbose_name = _("科普文章")
        verbose_name_plural = _("科普文章")


class VideoPage(ContentPage):
    content_kind = "video"
    content_kind_label = _("视频")

    video = models.ForeignKey(
        "wagtailmedia.Media",
        verbose_name=_("视频文件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duration = models.PositiveIntegerField(_("时长（秒）"), default=0)
    captions = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("字幕（WebVTT）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("户外电子屏静音播放，字幕必不可少。"),
    )
    transcript = models.TextField(_("文字稿"), blank=True)

    content_panels = [
        *ContentPage.content_panels,
        FieldPanel("video"),
        FieldRowPanel([FieldPanel("duration"), FieldPanel("captions")]),
        FieldPanel("transcript"),
        FieldPanel("body"),
    ]
    promote_panels = ArticlePage.promote_panels
    search_fields = [*ContentPage.search_fields, index.SearchField("transcript")]
    template = "pages/video_page.html"

    class Meta:
        verbose_name = _("科普视频")
        verbose_name_plural = _("科普视频")


class ComicPage(ContentPage):
    content_kind = "comic"
    content_kind_label = _("漫画")

    content_panels = [
        *ContentPage.content_panels,
        InlinePanel("panels", label=_("分格"), min_num=1),
        FieldPanel("body"),
    ]
    promote_panels = ArticlePage.promote_panels
    search_fields = [
        *ContentPage.search_fields,
        index.RelatedFields("panels", [index.SearchField("text"), index.SearchField("alt")]),
    ]
    template = "pages/comic_page.html"

    class Meta:
        verbose_name = _("科普漫画")
        verbose_name_plural = _("科普漫画")


class ComicPanel(Orderable):
    page = ParentalKey(ComicPage, on_delete=models.CASCADE, related_name="panels")
    image = models.ForeignKey(
        settings.WAGTAILIMAGES_IMAGE_MODEL,
        verbose_name=_("图片"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    alt = models.CharField(
        _("画面描述"), max_length=255, help_text=_("为看不到图片的读者描述画面。")
    )
    text = models.TextField(_("对白文字"), blank=True)

    panels = [FieldPanel("image"), FieldPanel("alt"), FieldPanel("text")]

    class Meta(Orderable.Meta):
        verbose_name = _("漫画分格")

    def clean(self):
        super().clean()
        problems = control_characters_problems({"alt": self.alt, "text": self.text})
        if problems:
            raise ValidationError(problems)


class EmergencyGuidePage(RoutablePageMixin, ContentPage):
    content_kind = "emergency"
    content_kind_label = _("应急科普")

    hazard = models.CharField(_("灾害类型"), max_length=20, choices=Hazard.choices)
    phase = models.CharField(_("阶段"), max_length=10, choices=Phase.choices)
    actions = models.TextField(
        _("行动要点"),
        help_text=_("每行一条，3—6 条，每条不超过 30 个字；电子屏只显示这些要点。"),
    )

    content_panels = [
        *ContentPage.content_panels,
        FieldRowPanel([FieldPanel("hazard"), FieldPanel("phase")]),
        FieldPanel("actions"),
        FieldPanel("body", heading=_("完整说明")),
    ]
    promote_panels = ArticlePage.promote_panels
    search_fields = [
        *ContentPage.search_fields,
        index.SearchField("actions"),
        index.FilterField("hazard"),
        index.FilterField("phase"),
    ]
    parent_page_types = ["content.ContentIndexPage", "content.EmergencyIndexPage"]
    template = "pages/emergency_guide_page.html"

    class Meta:
        verbose_name = _("应急科普")
        verbose_name_plural = _("应急科普")

    @property
    def action_lines(self):
        return split_action_lines(self.actions)

    def route(self, request, path_components):
        # RoutablePageMixin answers its sub-URLs (the card) before ContentPage.route is reached.
        refuse_if_expired(self)
        return super().route(request, path_components)

    @path("card/", name="card")
    def card(self, request):
        """A one-page printable card for notice boards: the action lines, large."""
        return self.render(request, template="pages/emergency_guide_card.html")

    def clean(self):
        super().clean()
        problem = action_lines_problem(self.action_lines)
        if problem:
            raise ValidationError({"actions": problem})


def refuse_if_expired(page):
    """404 for a page whose expiry time has passed, before the worker unpublishes it (Wagtail's
    routing checks only ``live``). A cached route holds the page with its ``expire_at``, so this
    costs no query."""
    if page.expire_at is not None and page.expire_at <= timezone.now():
        raise Http404


def split_action_lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def action_lines_problem(lines):
    """Why these action lines cannot go on a screen, or None when they can."""
    if not ACTION_LINES_MIN <= len(lines) <= ACTION_LINES_MAX:
        return _("需要 %(min)d—%(max)d 条行动要点，现在是 %(count)d 条。") % {
            "min": ACTION_LINES_MIN,
            "max": ACTION_LINES_MAX,
            "count": len(lines),
        }
    too_long = [line for line in lines if len(line) > ACTION_LINE_MAX_LENGTH]
    if too_long:
        return _("每条不超过 %(max)d 个字：%(line)s") % {
            "max": ACTION_LINE_MAX_LENGTH,
            "line": too_long[0],
        }
    return None


class ContentIndexPage(Page):
    """The one listing of all content, filtered by type, audience, topic and region."""

    introduction = RichTextField(_("导语"), blank=True, features=["bold", "link"])

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["home.HomePage"]
    subpage_types = [
        "content.ArticlePage",
        "content.VideoPage",
        "content.ComicPage",
        "content.EmergencyGuidePage",
    ]
    template = "pages/content_index_page.html"

    class Meta:
        verbose_name = _("内容列表")

    def get_context(self, request, *args, **kwargs):
        from content.listing import listing_context

        context = super().get_context(request, *args, **kwargs)
        context.update(listing_context(request))
        return context

    def permissions_for_user(self, user):
        from content.review import SectionPermissionTester

        return SectionPermissionTester(user, self)

    def get_view_restrictions(self):
        # No query per request while the site has no view restrictions (content/restrictions.py).
        return cached_view_restrictions(self)


class EmergencyIndexPage(Page):
    """Emergency explainers grouped by hazard."""

    introduction = RichTextField(_("导语"), blank=True, features=["bold", "link"])

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["content.EmergencyGuidePage"]
    max_count = 1
    template = "pages/emergency_index_page.html"

    class Meta:
        verbose_name = _("应急科普栏目")

    @cached_property
    def hazard_labels(self):
        return dict(Hazard.choices)

    def get_context(self, request, *args, **kwargs):
        from content.listing import emergency_groups

        context = super().get_context(request, *args, **kwargs)
        context["hazard_groups"] = emergency_groups(request)
        return context

    def permissions_for_user(self, user):
        from content.review import SectionPermissionTester

        return SectionPermissionTester(user, self)

    def get_view_restrictions(self):
        # No query per request while the site has no view restrictions (content/restrictions.py).
        return cached_view_restrictions(self)
