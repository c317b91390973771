"""Factories for content pages. Pages are created live under the site's content sections with
a review record, as the workflow would leave them; pass ``live=False`` for drafts."""

import datetime
import io

import factory
import wagtail_factories
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtailmedia.models import Media

from content import models
from content.structure import ensure_sections
from tests.site_tree import ensure_site_tree


def content_section():
    return ensure_sections(ensure_site_tree())[0]


def emergency_section():
    return ensure_sections(ensure_site_tree())[1]


def png_bytes(size=(64, 48), colour=(11, 93, 75)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


class ImageFactory(factory.django.DjangoModelFactory):
    title = factory.Sequence(lambda n: f"图片{n}")
    description = factory.LazyAttribute(lambda o: f"{o.title}的画面")
    file = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="test.png"))

    class Meta:
        model = get_image_model()


class DocumentFactory(factory.django.DjangoModelFactory):
    title = "字幕"
    file = factory.LazyFunction(
        lambda: ContentFile(
            b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n\xe5\xad\x97\xe5\xb9\x95\n",
            name="captions.vtt",
        )
    )

    class Meta:
        model = get_document_model()


class MediaFactory(factory.django.DjangoModelFactory):
    title = "视频"
    type = "video"
    duration = 5
    file = factory.LazyFunction(lambda: ContentFile(b"\x00\x00\x00\x18ftypmp42", name="clip.mp4"))

    class Meta:
        model = Media


class ContentPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"科普内容{n}")
    summary = factory.LazyAttribute(lambda o: f"{o.title}的摘要")
    parent = factory.LazyFunction(content_section)
    live = True
    first_published_at = factory.LazyFunction(timezone.now)
    reviewed_by = "王研究员"
    review_organisation = "内蒙古大学"
    reviewed_at = factory.LazyFunction(lambda: datetime.date(2026, 5, 1))

    @factory.post_generation
    def audiences(self, create, slugs, **kwargs):
        if slugs:
            self.audiences.set(models.Audience.objects.filter(slug__in=slugs))
            self.save()

    @factory.post_generation
    def regions(self, create, codes, **kwargs):
        if codes:
            self.regions.set(models.Region.objects.filter(code__in=codes))
            self.save()

    @factory.post_generation
    def topics(self, create, names, **kwargs):
        if names:
            self.tags.add(*names)
            self.save()


class ArticlePageFactory(ContentPageFactory):
    body = factory.LazyFunction(
        lambda: [("paragraph", "<p>科普青城数字化平台上线，市民随时学科学。</p>")]
    )

    class Meta:
        model = models.ArticlePage
        skip_postgeneration_save = True


class VideoPageFactory(ContentPageFactory):
    video = factory.SubFactory(MediaFactory)
    captions = factory.SubFactory(DocumentFactory)
    duration = 5
    transcript = "大家好，今天讲沙尘暴来临时如何防护。"

    class Meta:
        model = models.VideoPage
        skip_postgeneration_save = True


class ComicPageFactory(ContentPageFactory):
    class Meta:
        model = models.ComicPage
        skip_postgeneration_save = True

    @factory.post_generation
    def panels(self, create, texts, **kwargs):
        for position, text in enumerate(texts or ["第一格对白", "第二格对白"]):
            models.ComicPanel.objects.create(
                page=self,
                sort_order=position,
                image=ImageFactory(),
                alt=f"第{position + 1}格画面",
                text=text,
            )
        # Saved after its panels, as the other post-generation hooks do: outside a committed
        # transaction only the per-save index update runs (content.changes tells the rest after
        # commit), and it should see the panels.
        self.save()


class EmergencyGuidePageFactory(ContentPageFactory):
    parent = factory.LazyFunction(emergency_section)
    hazard = "sandstorm"
    phase = "during"
    actions = "关好门窗\n减少外出\n外出戴口罩"

    class Meta:
        model = models.EmergencyGuidePage
        skip_postgeneration_save = True


def publish(page):
    """Publish the page's current state as the science review does: a revision cleared for
    publishing. A bare ``save_revision().publish()`` is refused like any publish around it."""
    from content.models import ReviewClearance
    from content.review import publish_cleared

    revision = page.save_revision()
    publish_cleared(
        revision,
        route=ReviewClearance.WORKFLOW,
        name=page.reviewed_by or "王研究员",
        organisation=page.review_organisation,
        reviewed_on=page.reviewed_at,
    )
    return revision
