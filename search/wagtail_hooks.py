import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.auth import permission_denied, require_admin_access
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.reports import ReportView
from wagtail.admin.viewsets.model import ModelViewSet

from kepuqingcheng.spreadsheets import SafeSpreadsheetExportMixin

from . import querylog
from .models import HiddenQuery, QueryStat, SynonymGroup


class SynonymViewSet(ModelViewSet):
    model = SynonymGroup
    icon = "search"
    menu_label = _("搜索同义词")
    add_to_settings_menu = True
    form_fields = ["words"]
    list_display = ["__str__", "updated_at"]
    search_fields = ["words"]


@hooks.register("register_admin_viewset")
def register_synonyms():
    return SynonymViewSet("search_synonyms")


def _chosen_week(request):
    this_week = querylog.week_of(timezone.localdate())
    try:
        week = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        week = this_week
    return querylog.week_of(min(week, this_week)), this_week


class InsightsView(SafeSpreadsheetExportMixin, ReportView):
    """What the public searched for in one week, and what found nothing. The CSV and XLSX
    exports hold every query of the week (Wagtail's spreadsheet export); the page shows the
    most searched and the zero-result ones."""

    page_title = _("搜索洞察")
    header_icon = "search"
    template_name = "search/admin/insights.html"
    index_url_name = "search_insights"
    # The page's own links lead to both exports; no second pair in the header's menu.
    show_export_buttons = False
    list_export = ["week", "query", "searches", "zero_results"]

    def get_queryset(self):
        self.week, self.this_week = _chosen_week(self.request)
        return QueryStat.objects.filter(week=self.week).order_by("-searches", "query")

    def get_filename(self):
        return f"search-insights-{self.week}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        week = self.week
        popular, zero = querylog.weekly_report(week)
        user = self.request.user
        context.update(
            week=week,
            week_end=week + datetime.timedelta(days=6),
            previous_week=week - datetime.timedelta(weeks=1),
            next_week=week + datetime.timedelta(weeks=1) if week < self.this_week else None,
            popular=popular,
            zero=zero,
            hidden=set(HiddenQuery.objects.values_list("query", flat=True)),
            hidden_queries=HiddenQuery.objects.order_by("-hidden_at")[:200],
            min_count=settings.POPULAR_SEARCH_MIN_COUNT,
            can_hide=user.has_perm("kepu_search.add_hiddenquery"),
            can_show=user.has_perm("kepu_search.delete_hiddenquery"),
        )
        return context


@require_admin_access
@require_POST
def visibility_view(request):
    """Hide a query from the public "大家在搜" list, or show it again (editors only)."""
    action = request.POST.get("action")
    needed = {"hide": "kepu_search.add_hiddenquery", "show": "kepu_search.delete_hiddenquery"}
    if action not in needed or not request.user.has_perm(needed[action]):
        return permission_denied(request)
    query = request.POST.get("query", "")
    if not querylog.normalise_query(query):
        messages.error(request, _("请指定要隐藏或恢复的搜索词。"))
    elif action == "hide":
        text = querylog.hide_query(query, request.user)
        messages.success(request, _("“%(query)s”已从公开的“大家在搜”中隐藏。") % {"query": text})
    else:
        querylog.show_query(query)
        messages.success(request, _("“%(query)s”恢复显示。") % {"query": query})
    week = request.POST.get("week", "")
    target = reverse("search_insights")
    return redirect(f"{target}?{urlencode({'week': week})}" if week else target)


@hooks.register("register_admin_urls")
def register_insights_url():
    return [
        path("search-insights/", InsightsView.as_view(), name="search_insights"),
        path("search-insights/visibility/", visibility_view, name="search_insights_visibility"),
    ]


@hooks.register("register_reports_menu_item")
def register_insights_menu_item():
    return MenuItem(_("搜索洞察"), reverse("search_insights"), icon_name="search", order=900)
