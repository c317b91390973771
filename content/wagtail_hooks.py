from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.models import Page

from .admin_forms import RegionForm, TopicMergeForm
from .models import Audience, ContentPage, Region
from .queries import is_public
from .review import (
    EMERGENCY_LOG_ACTION,
    ContentPermissionTester,
    PublishRefused,
    emergency_publish,
)


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


@hooks.register("before_serve_page")
def refuse_unpublic_content(page, request, serve_args, serve_kwargs):
    # The one "public" predicate (content.queries): a live page without a review record (for
    # instance published before the review was enforced) answers 404 like any unpublished page.
    if isinstance(page, ContentPage) and not is_public(page):
        raise Http404


def _explain_publish_refusal(request, page):
    if (
        request.method == "POST"
        and request.POST.get("action-publish")
        and isinstance(page.specific, ContentPage)
    ):
        messages.warning(
            request,
            _("科普内容须经编辑初审和专家科学性审核后才能发布：已保存为草稿，请点击“提交审核”。"),
        )


@hooks.register("after_edit_page")
def explain_publish_refusal_on_edit(request, page):
    _explain_publish_refusal(request, page)


@hooks.register("after_create_page")
def explain_publish_refusal_on_create(request, page):
    _explain_publish_refusal(request, page)


@hooks.register("register_permissions")
def register_emergency_publish_permission():
    # Grantable to a group under 设置 → 用户组 (superusers hold it already).
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label="content", codename="emergency_publish"
    )


@hooks.register("register_log_actions")
def register_review_log_actions(actions):
    actions.register_action(
        EMERGENCY_LOG_ACTION, _("紧急发布（未经科学性审核）"), _("已紧急发布（未经科学性审核）")
    )


class EmergencyPublishForm(forms.Form):
    reason = forms.CharField(
        label=_("紧急发布理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将记入页面历史。页面会公开标明“未经科学性审核（紧急发布：您的姓名）”。"),
    )


def emergency_publish_view(request, page_id):
    page = get_object_or_404(Page, pk=page_id).specific
    if not isinstance(page, ContentPage):
        raise Http404
    if not page.permissions_for_user(request.user).can_emergency_publish():
        return permission_denied(request)
    form = EmergencyPublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            emergency_publish(page, request.user, form.cleaned_data["reason"])
        except PublishRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.warning(
                request,
                _("“%(title)s”已紧急发布，未经科学性审核；请尽快提交审核。")
                % {"title": page.get_admin_display_title()},
            )
            return redirect("wagtailadmin_pages:edit", page.pk)
    return TemplateResponse(
        request,
        "content/admin/emergency_publish.html",
        {
            "form": form,
            "page": page,
            "page_title": _("紧急发布"),
            "header_title": _("紧急发布（未经科学性审核）：%(title)s")
            % {"title": page.get_admin_display_title()},
            "header_icon": "warning",
            "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]),
        },
    )


@hooks.register("register_admin_urls")
def register_emergency_publish_url():
    return [
        path(
            "content/emergency-publish/<int:page_id>/",
            emergency_publish_view,
            name="content_emergency_publish",
        )
    ]


class EmergencyPublishButton(PageMenuItem):
    label = _("紧急发布（未经审核）")
    icon_name = "warning"
    url_name = "content_emergency_publish"

    def is_shown(self, user):
        perms = self.page.permissions_for_user(user)
        return isinstance(perms, ContentPermissionTester) and perms.can_emergency_publish()


@hooks.register("register_page_header_buttons")
def emergency_publish_header_button(page, user, view_name, next_url=None):
    yield EmergencyPublishButton(page=page, priority=62)
