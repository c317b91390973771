from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail.admin.forms import WagtailAdminModelForm

from .models import ContentPageTag, Region
from .models.selection import move_topic_links


class RegionForm(WagtailAdminModelForm):
    """Regions form a tree; the form places a new region under the chosen parent."""

    parent = forms.ModelChoiceField(
        label=_("上级地区"),
        queryset=Region.objects.order_by("path"),
        required=False,
        help_text=_("乡镇、街道请选择所属旗县区。留空表示顶级地区。"),
    )

    class Meta:
        model = Region
        fields = ["name", "code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].label_from_instance = lambda region: region.indented_name
        if self.instance.pk:
            self.fields["parent"].initial = self.instance.get_parent()
            # A region cannot move below itself or its descendants.
            self.fields["parent"].queryset = Region.objects.exclude(
                path__startswith=self.instance.path
            ).order_by("path")

    @transaction.atomic
    def save(self, commit=True):
        parent = self.cleaned_data.get("parent")
        region = self.instance
        if region.pk is None:
            region = (
                parent.add_child(instance=region) if parent else Region.add_root(instance=region)
            )
            return region
        region.save()
        current_parent = region.get_parent()
        if parent != current_parent:
            if parent is None:
                region.move(Region.get_first_root_node(), pos="sorted-sibling")
            else:
                region.move(parent, pos="sorted-child")
            region.refresh_from_db()
        return region


class TopicMergeForm(forms.Form):
    """Fold duplicate or misspelt topics into one, keeping every page's tagging."""

    sources = forms.ModelMultipleChoiceField(
        label=_("要合并的主题"),
        queryset=Tag.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    target = forms.ModelChoiceField(label=_("合并到"), queryset=Tag.objects.order_by("name"))

    def clean(self):
        cleaned = super().clean()
        sources, target = cleaned.get("sources"), cleaned.get("target")
        if sources is not None and target is not None and target in sources:
            cleaned["sources"] = sources.exclude(pk=target.pk)
            if not cleaned["sources"]:
                raise forms.ValidationError(_("请选择至少一个不同于目标的主题。"))
        return cleaned

    @transaction.atomic
    def merge(self):
        target = self.cleaned_data["target"]
        sources = list(self.cleaned_data["sources"])
        already_tagged = set(
            ContentPageTag.objects.filter(tag=target).values_list("content_object_id", flat=True)
        )
        links = ContentPageTag.objects.filter(tag__in=sources)
        links.filter(content_object_id__in=already_tagged).delete()
        links.update(tag=target)
        move_topic_links(sources, target)
        Tag.objects.filter(pk__in=[tag.pk for tag in sources]).delete()
        return target, len(sources)
