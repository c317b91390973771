from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentGeneration(models.Model):
    """The one row holding the shared part of the content generation (``content.generation``).

    ``counter`` only grows: every committed content change raises it to at least the current
    time in microseconds, so a row recreated after a flush or restored from a backup still moves
    past what any process remembers."""

    counter = models.BigIntegerField(_("计数"), default=0)

    class Meta:
        verbose_name = _("内容版本")
        verbose_name_plural = _("内容版本")

    def __str__(self):
        return str(self.counter)
