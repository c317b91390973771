from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, PageChooserPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.images.models import AbstractImage, AbstractRendition
from wagtail.images.models import Image as WagtailImage
from wagtail.models import Orderable, Page

from content.caching import FRAGMENT_TIMEOUT
from content.restrictions import cached_view_restrictions


class User(AbstractUser):
    """Editors and reviewers come from the 科协 and partner units; the unit is shown on reviews."""

    organisation = models.CharField(_("所属单位"), max_length=120, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def get_full_name(self):
        # Chinese names are written family name first with no space: 李敏, not "敏 李".
        first, last = self.first_name.strip(), self.last_name.strip()
        if any("\u4e00" <= char <= "\u9fff" for char in first + last):
            return f"{last}{first}"
        return super().get_full_name()


class CustomImage(AbstractImage):
    # Alt text is required: every picture the public sees must be described for screen readers.
    description = models.CharField(
        _("替代文字"),
        max_length=255,
        help_text=_("向看不到图片的读者描述图片内容，例如“沙尘暴来临时行人戴口罩”。"),
    )

    admin_form_fields = WagtailImage.admin_form_fields

    class Meta(AbstractImage.Meta):
        verbose_name = _("图片")
        verbose_name_plural = _("图片")

    @property
    def default_alt_text(self):
        return self.description or self.title


class CustomRendition(AbstractRendition):
    image = models.ForeignKey(CustomImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


class HomePage(RoutablePageMixin, Page):
    """The site root. Audience and topic landing pages are routes here rather than Django views
    or pages of their own: they belong to the site (so they resolve per Site, get its navigation
    and breadcrumbs, and follow the home page if the tree moves) yet need no editor to create
    a page for every audience and every topic tag."""

    introduction = RichTextField(_("导语"), blank=True, features=["bold", "link"])

    content_panels = [
        *Page.content_panels,
        FieldPanel("introduction"),
        InlinePanel("featured", label=_("编辑推荐"), max_num=6),
    ]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1
    template = "pages/home_page.html"

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        # content depends on home, so home reaches content only at call time.
        from content.listing import home_sections_html

        context = super().get_context(request, *args, **kwargs)
        context["home_sections_html"] = home_sections_html(request, self)
        return context

    def route(self, request, path_components):
        """Wagtail walks down the tree with a query per URL segment, plus one to make each page
        specific. Where a path leads depends only on the tree, so the page it reaches (specific,
        its cover image loaded) is cached under the content generation, which moves on whenever a
        page is saved, published, moved or deleted: a repeat visit routes without a query. The
        cached page is a fresh copy on every read (the cache pickles), never shared between
        requests. Previews and unknown paths (404) are never cached."""
        from content.fragments import cacheable, fragment_key

        if not path_components or not cacheable(request):
            return super().route(request, path_components)
        key = fragment_key(request, "route", self.pk, "/".join(path_components))
        hit = cache.get(key)
        if hit is not None:
            page, consumed = hit
            if page is None:
                # One of this page's own routes (an audience or topic page).
                return super().route(request, path_components)
            # The page routes the rest itself (a routable page's sub-URLs) and checks it is live.
            return page.route(request, path_components[consumed:])
        result = super().route(request, path_components)
        page = result[0]
        if page.pk == self.pk:
            cache.set(key, (None, 0), FRAGMENT_TIMEOUT)
        else:
            # Load the cover now so that the cached copy carries it (the page head shows it).
            getattr(page, "cover_image", None)
            cache.set(key, (page, page.depth - self.depth), FRAGMENT_TIMEOUT)
        return result

    def get_view_restrictions(self):
        return cached_view_restrictions(self)

    @path("for/<slug:slug>/", name="audience")
    def audience_landing(self, request, slug):
        from content.listing import audience_or_404, listing_context

        audience = audience_or_404(slug, request)
        context = {
            "page": self,
            "self": self,
            "request": request,
            "landing_title": audience.name,
            "landing_description": audience.description,
            "landing_kind": "audience",
            "landing_slug": audience.slug,
            **listing_context(request, fixed={"audiences": audience.slug}, hidden=("audience",)),
        }
        return TemplateResponse(request, "pages/landing_page.html", context)

    # Topic slugs are Chinese (taggit keeps Unicode), which <slug:> would refuse.
    @path("topics/<str:slug>/", name="topic")
    def topic_landing(self, request, slug):
        from content.listing import listing_context, topic_or_404

        topic = topic_or_404(slug, request)
        context = {
            "page": self,
            "self": self,
            "request": request,
            "landing_title": topic.name,
            "landing_description": "",
            "landing_kind": "topic",
            "landing_slug": topic.slug,
            **listing_context(request, fixed={"topics": topic.slug}, hidden=("topic",)),
        }
        return TemplateResponse(request, "pages/landing_page.html", context)


class HomePageFeatured(Orderable):
    """Editor's picks on the home page, in the order the editor sets."""

    home = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured")
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("推荐内容"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    panels = [
        PageChooserPanel(
            "page",
            page_type=[
                "content.ArticlePage",
                "content.VideoPage",
                "content.ComicPage",
                "content.EmergencyGuidePage",
            ],
        )
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("编辑推荐")
        verbose_name_plural = _("编辑推荐")
