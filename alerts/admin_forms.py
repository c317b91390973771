"""The admin's alert form: composing or editing a draft, in Chinese, checked on the server.

Only the CAP content is editable here. The identifier and sender are set by the server
(``issuing.new_identifier``, settings), and the lifecycle fields (stage, who drafted, submitted
or confirmed) change only through ``alerts.issuing``.
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from content.models import EmergencyGuidePage, Region
from content.models.pages import ACTION_LINES_MAX
from content.queries import live_content

from . import issuing
from .models import Alert

DEFAULT_DURATION = datetime.timedelta(hours=6)


class RegionChoiceField(forms.ModelMultipleChoiceField):
    """The region tree, indented, with codes: choosing a place reaches everything below it."""

    def label_from_instance(self, region):
        return f"{region.indented_name}（{region.code}）"


class ExplainerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, page):
        return f"{page.title}（{page.get_hazard_display()}）"


def live_explainers():
    """Only explainers the public can read: an alert must not link to a page that is not there."""
    return EmergencyGuidePage.objects.filter(
        pk__in=live_content().type(EmergencyGuidePage).values("pk")
    ).order_by("title")


def explainer_lines(explainers):
    """The explainers' action lines in order, each once, as many as a screen shows."""
    lines = []
    for page in explainers:
        for line in page.action_lines:
            if line not in lines:
                lines.append(line)
    return lines[:ACTION_LINES_MAX]


def _minute(moment):
    return timezone.localtime(moment).replace(second=0, microsecond=0)


class AlertForm(WagtailAdminModelForm):
    areas = RegionChoiceField(
        label=_("预警区域"),
        queryset=Region.objects.order_by("path"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("选择一个地区即覆盖其下所有旗县区和乡镇街道的电子屏。"),
        error_messages={"required": _("请至少选择一个预警区域。")},
    )
    explainers = ExplainerChoiceField(
        label=_("关联应急科普"),
        queryset=EmergencyGuidePage.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("只列出已发布的应急科普页面。"),
    )
    use_explainer_actions = forms.BooleanField(
        label=_("行动要点留空时，使用所选应急科普的行动要点"),
        required=False,
    )

    class Meta:
        model = Alert
        fields = [
            "status",
            "category",
            "event",
            "severity",
            "urgency",
            "certainty",
            "headline",
            "description",
            "onset",
            "expires",
            "areas",
            "area_desc",
            "explainers",
            "use_explainer_actions",
            "instruction",
            "sender_name",
        ]
        widgets = {
            "status": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
            "instruction": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["explainers"].queryset = live_explainers()
        # Left empty, the instruction can come from the explainers (see clean()).
        self.fields["instruction"].required = False
        if self.instance.pk is None:
            now = _minute(timezone.now())
            self.instance.identifier = issuing.new_identifier()
            self.instance.sender = issuing.default_sender()
            if not self.instance.sender_name:
                self.initial.setdefault("sender_name", issuing.default_sender_name())
            self.initial.setdefault("onset", now)
            self.initial.setdefault("expires", now + DEFAULT_DURATION)

    def clean(self):
        cleaned = super().clean()
        instruction = (cleaned.get("instruction") or "").strip()
        explainers = cleaned.get("explainers") or []
        if not instruction:
            if cleaned.get("use_explainer_actions") and explainers:
                cleaned["instruction"] = "\n".join(explainer_lines(explainers))
            elif cleaned.get("use_explainer_actions"):
                self.add_error("explainers", _("请先选择要使用其行动要点的应急科普。"))
            else:
                self.add_error(
                    "instruction",
                    _("请填写行动要点，或勾选“使用所选应急科普的行动要点”。"),
                )
        expires = cleaned.get("expires")
        if expires is not None and expires <= timezone.now():
            self.add_error("expires", _("失效时间必须晚于现在。"))
        return cleaned


class ReasonForm(forms.Form):
    """The reason a confirmer sends an alert back, or an operator cancels it."""

    reason = forms.CharField(
        label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
