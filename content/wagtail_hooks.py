from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from .admin_forms import RegionForm, TopicMergeForm
from .models import Audience, Region


class AudienceViewSet(ModelViewSet):
    model = Audience
    icon = "group"
    menu_label = _("受众")
    form_fields = ["name", "slug", "description", "sort_order"]
    list_display = ["name", "slug", "description"]
    search_fields = ["name", "slug"]
    ordering = ["sort_order"]


class RegionViewSet(ModelViewSet):
    model = Region
    icon = "site"
    menu_label = _("地区")
    list_display = [
        TitleColumn("indented_name", label=_("名称"), url_name="content_region:edit"),
        "code",
    ]
    search_fields = ["name", "code"]
    ordering = ["path"]

    def get_form_class(self, for_update=False):
        return RegionForm


class TopicIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(_("合并主题"), url=reverse("topics:merge"), icon_name="tag"),
        ]


class TopicViewSet(ModelViewSet):
    model = Tag
    index_view_class = TopicIndexView
    icon = "tag"
    menu_label = _("主题")
    url_prefix = "topics"
    name = "topics"
    form_fields = ["name", "slug"]
    search_fields = ["name"]
    ordering = ["name"]
    list_display = [
        "name",
        "slug",
        Column("page_count", label=_("使用次数"), sort_key="page_count"),
    ]
    queryset = Tag.objects.annotate(page_count=Count("content_contentpagetag_items"))

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("merge/", self.merge_view, name="merge")]

    def merge_view(self, request):
        if not self.permission_policy.user_has_permission(request.user, "change"):
            return permission_denied(request)
        form = TopicMergeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            target, merged = form.merge()
            messages.success(
                request,
                _("已将 %(count)d 个主题合并到“%(name)s”。")
                % {"count": merged, "name": target.name},
            )
            return redirect(self.get_url_name("index"))
        return TemplateResponse(
            request,
            "content/admin/topic_merge.html",
            {
                "form": form,
                "page_title": _("合并主题"),
                "header_title": _("合并主题"),
                "header_icon": "tag",
                "index_url": reverse(self.get_url_name("index")),
            },
        )


class TaxonomyGroup(ViewSetGroup):
    menu_label = _("分类管理")
    menu_icon = "folder-inverse"
    menu_order = 250
    items = (AudienceViewSet("content_audience"), RegionViewSet("content_region"), TopicViewSet())


@hooks.register("register_admin_viewset")
def register_taxonomy():
    return TaxonomyGroup()
