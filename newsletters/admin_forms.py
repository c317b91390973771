"""The admin form of an editor's issue: only public, science-reviewed content can be chosen."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.models import Page

from content.queries import live_content


class IssueForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = Page.objects.filter(
            pk__in=live_content().values("pk")
        ).order_by("-first_published_at")
        self.fields["items"].widget = forms.CheckboxSelectMultiple()
        self.fields["items"].widget.choices = self.fields["items"].choices
