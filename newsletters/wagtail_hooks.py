"""科普简报 in the admin: editors compose an issue (intro, public content, a segment), preview
it, send it to themselves, send it now or at a time, and see its delivery figures."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet

from . import issues
from .admin_forms import IssueForm
from .ledger import Issue

Issue.base_form_class = IssueForm


def _figure(name):
    def read(issue):
        found = issues.figures(issue)
        return "—" if found is None else found[name]

    return read


class IssueViewSet(ModelViewSet):
    model = Issue
    icon = "mail"
    menu_label = gettext_lazy("科普简报")
    add_to_admin_menu = True
    menu_order = 350
    panels = [
        FieldPanel("subject"),
        FieldPanel("intro"),
        FieldPanel("items"),
        FieldPanel("audiences"),
        FieldPanel("topics"),
        FieldPanel("regions"),
        FieldPanel("send_at"),
    ]
    list_display = [
        TitleColumn(
            "subject",
            label=gettext_lazy("标题"),
            get_url=lambda issue: reverse("newsletters_issue", args=[issue.pk]),
        ),
        "send_at",
        Column("queued", label=gettext_lazy("排队中"), accessor=_figure("queued")),
        Column("sent", label=gettext_lazy("已发送"), accessor=_figure("sent")),
        Column("failed", label=gettext_lazy("失败"), accessor=_figure("failed")),
        Column("suppressed", label=gettext_lazy("已停发"), accessor=_figure("suppressed")),
        Column("unsubscribed", label=gettext_lazy("已退订"), accessor=_figure("unsubscribed")),
    ]
    search_fields = ["subject"]


def _issue_for(request, pk):
    if not request.user.has_perm("newsletters.change_issue"):
        raise PermissionDenied
    return get_object_or_404(Issue, pk=pk)


@require_admin_access
def detail_view(request, pk):
    issue = _issue_for(request, pk)
    return TemplateResponse(
        request,
        "newsletters/admin/issue.html",
        {
            "issue": issue,
            "figures": issues.figures(issue),
            "recipients": issues.segment(issue).count() if issue.mailing_id is None else None,
            "page_title": issue.subject,
            "header_icon": "mail",
        },
    )


@require_admin_access
def preview_view(request, pk):
    return HttpResponse(issues.preview_html(_issue_for(request, pk)))


@require_admin_access
@require_POST
def test_view(request, pk):
    issue = _issue_for(request, pk)
    if not request.user.email:
        messages.error(request, _("您的账户没有电子邮箱，请先在账户设置中填写。"))
    else:
        issues.send_test(issue, request.user.email)
        messages.success(request, _("测试邮件已发送到 %(email)s。") % {"email": request.user.email})
    return redirect("newsletters_issue", pk)


@require_admin_access
@require_POST
def send_view(request, pk):
    issue = _issue_for(request, pk)
    count = issues.send(issue)
    if count is None:
        messages.error(request, _("这期简报已经发送过。"))
    else:
        messages.success(request, _("已为 %(count)d 位订阅者排队发送。") % {"count": count})
    return redirect("newsletters_issue", pk)


@hooks.register("register_admin_viewset")
def register_issues():
    return IssueViewSet("newsletters_issues")


@hooks.register("register_admin_urls")
def register_issue_urls():
    return [
        path("newsletters/issues/<int:pk>/view/", detail_view, name="newsletters_issue"),
        path("newsletters/issues/<int:pk>/preview/", preview_view, name="newsletters_preview"),
        path("newsletters/issues/<int:pk>/test/", test_view, name="newsletters_test"),
        path("newsletters/issues/<int:pk>/send/", send_view, name="newsletters_send"),
    ]
