"""What lets a revision of science content go live, and the review task that enforces who may
approve it.

A content page goes live only with a revision that holds a ``ReviewClearance``: written by the
end of the review workflow, by the importer's trusted path or by the emergency bypass, each
naming the person (or source) answerable for it. ``ContentPage.save`` refuses every other
publish, whatever view or action asked for it (see ``content.review``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import GroupApprovalTask


class ReviewClearance(models.Model):
    WORKFLOW = "workflow"
    IMPORT = "import"
    EMERGENCY = "emergency"
    ROUTES = [
        (WORKFLOW, _("科学性审核")),
        (IMPORT, _("可信导入")),
        (EMERGENCY, _("紧急发布（未经审核）")),
    ]

    revision = models.OneToOneField(
        "wagtailcore.Revision",
        verbose_name=_("版本"),
        on_delete=models.CASCADE,
        related_name="review_clearance",
    )
    route = models.CharField(_("途径"), max_length=20, choices=ROUTES)
    name = models.CharField(_("负责人"), max_length=60)
    organisation = models.CharField(_("单位"), max_length=120, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("理由"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("发布许可")
        verbose_name_plural = _("发布许可")
        permissions = [("emergency_publish", _("可紧急发布未经科学性审核的内容"))]

    def __str__(self):
        return f"{self.revision_id}: {self.get_route_display()} {self.name}"


class ReviewTask(GroupApprovalTask):
    """A group approval step with separation of duties (see ``content.review.approval_refusal``).

    A proxy: the tasks keep Wagtail's table, only their class changes."""

    class Meta:
        proxy = True
        verbose_name = _("科学性审核步骤")
        verbose_name_plural = _("科学性审核步骤")

    def on_action(self, task_state, user, action_name, **kwargs):
        from content.review import ReviewRefused, approval_refusal

        if action_name == "approve":
            reason = approval_refusal(task_state, user)
            if reason:
                # Server-side: a forged POST reaches here as well as the button does.
                raise ReviewRefused(reason)
        return super().on_action(task_state, user, action_name, **kwargs)
