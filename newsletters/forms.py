"""The sign-up form (full page and compact) and the preference centre's form."""

from django import forms
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from content.models import Audience, Region

from .models import Cadence, Subscriber

# Shown beside the sign-up button and again on the confirmation page; the exact wording a
# subscriber agreed to is stored with them (Subscriber.consent_text).
CONSENT_TEXT = _(
    "我同意科普青城按我选择的频率向这个邮箱发送科普简报（如勾选，还包括所选地区的应急预警）。"
    "邮箱只用于发送简报，不会提供给他人；每封邮件都附有退订和修改偏好的链接。"
)


def consent_text():
    return str(CONSENT_TEXT)


def region_choices():
    """The whole city and its districts (the two levels people choose from)."""
    return Region.objects.filter(depth__lte=2).order_by("path")


class PreferenceFields(forms.Form):
    """Audiences, topics, regions (empty = all), cadence, emergency alerts."""

    audiences = forms.ModelMultipleChoiceField(
        label=_("受众"),
        queryset=Audience.objects.order_by("sort_order", "pk"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("主题"),
        queryset=Tag.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("地区"),
        queryset=Region.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cadence = forms.ChoiceField(
        label=_("频率"),
        choices=Cadence.choices,
        initial=Cadence.WEEKLY,
        widget=forms.RadioSelect,
    )
    emergency = forms.BooleanField(label=_("同时接收所选地区的应急预警"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = region_choices()
        self.fields["regions"].label_from_instance = lambda region: (
            _("全市") if region.depth == 1 else region.name
        )


class SignupForm(PreferenceFields):
    email = forms.EmailField(
        label=_("电子邮箱"),
        max_length=254,
        error_messages={
            "required": _("请填写电子邮箱。"),
            "invalid": _("请填写有效的电子邮箱地址，例如 name@example.cn。"),
        },
    )
    # The honeypot: hidden from people (and from screen readers); bots fill every field.
    website = forms.CharField(label=_("网址（请留空）"), required=False)

    field_order = ["email", "audiences", "topics", "regions", "cadence", "emergency", "website"]

    @property
    def is_bot(self):
        return bool(self.data.get("website"))


class PreferencesForm(forms.ModelForm, PreferenceFields):
    class Meta:
        model = Subscriber
        fields = ["audiences", "topics", "regions", "cadence", "emergency"]
