from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.images.blocks import ImageBlock
from wagtailmedia.blocks import VideoChooserBlock

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"]


class ImageWithCaptionBlock(blocks.StructBlock):
    image = ImageBlock(label=_("图片"))
    caption = blocks.CharBlock(label=_("图注"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("图片")
        template = "components/blocks/image_with_caption.html"


class KeyPointsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("标题"), default="划重点", max_length=40)
    points = blocks.ListBlock(blocks.CharBlock(max_length=120), label=_("要点"), min_num=1)

    class Meta:
        icon = "list-ul"
        label = _("要点框")
        template = "components/blocks/key_points.html"
        preview_value = {
            "heading": "划重点",
            "points": ["沙尘天气减少外出", "外出佩戴口罩", "关好门窗"],
        }


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("引文"))
    source = blocks.CharBlock(label=_("出处"), required=False, max_length=120)

    class Meta:
        icon = "openquote"
        label = _("引用")
        template = "components/blocks/quote.html"
        preview_value = {"text": "科学技术是第一生产力。", "source": "邓小平"}


class InternalVideoBlock(blocks.StructBlock):
    video = VideoChooserBlock(label=_("视频"))
    caption = blocks.CharBlock(label=_("说明"), required=False, max_length=200)

    class Meta:
        icon = "media"
        label = _("站内视频")
        template = "components/blocks/internal_video.html"


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        label=_("正文"),
        icon="pilcrow",
        template="components/blocks/paragraph.html",
        preview_value="<p>科普青城是呼和浩特市的数字科普平台。</p>",
    )
    image = ImageWithCaptionBlock()
    key_points = KeyPointsBlock()
    quote = QuoteBlock()
    table = TableBlock(
        label=_("表格"),
        template="components/blocks/table.html",
        table_options={"renderer": "text", "startRows": 3, "startCols": 3},
    )
    video = InternalVideoBlock()

    class Meta:
        template = "components/blocks/article_body.html"
