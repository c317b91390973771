from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportedItem(models.Model):
    """The fingerprint of the knowledge-base line a page was last imported from.

    Re-importing a line whose fingerprint is unchanged writes nothing, so a nightly re-import of
    a whole export does not pile up revisions or re-send pages through publishing.
    """

    page = models.OneToOneField(
        "wagtailcore.Page",
        verbose_name=_("页面"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    content_hash = models.CharField(_("内容指纹"), max_length=64)
    # What a normal import last published. It differs from content_hash while a ``--draft``
    # import waits in review: a normal import of that line must then publish it, not skip it.
    live_hash = models.CharField(_("已发布内容指纹"), max_length=64, blank=True, default="")
    imported_at = models.DateTimeField(_("导入时间"), auto_now=True)
    # False from the write until listeners (search) have taken the committed page in; a run
    # killed in between leaves it False and the next run announces the page again.
    announced = models.BooleanField(_("已通知索引"), default=False)

    # Bookkeeping, not a use of the page: keep it out of the admin's usage listings.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")

    def __str__(self):
        return f"{self.page_id}: {self.content_hash[:12]}"


class ImportedFile(models.Model):
    """A file the importer stored, by the SHA-256 of its bytes, so re-imports reuse it."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("图片")
        MEDIA = "media", _("音视频")
        DOCUMENT = "document", _("文档")

    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    object_id = models.PositiveBigIntegerField(_("对象编号"))

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("导入文件")
        verbose_name_plural = _("导入文件")
        constraints = [
            models.UniqueConstraint(fields=["kind", "sha256"], name="content_importedfile_unique")
        ]

    def __str__(self):
        return f"{self.kind} {self.sha256[:12]} → {self.object_id}"
