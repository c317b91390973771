import datetime

from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from . import querylog
from .models import SynonymGroup


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


@require_admin_access
def insights_view(request):
    """What the public searched for in one week, and what found nothing."""
    week, this_week = _chosen_week(request)
    popular, zero = querylog.weekly_report(week)
    return TemplateResponse(
        request,
        "search/admin/insights.html",
        {
            "page_title": _("搜索洞察"),
            "header_icon": "search",
            "week": week,
            "week_end": week + datetime.timedelta(days=6),
            "previous_week": week - datetime.timedelta(weeks=1),
            "next_week": week + datetime.timedelta(weeks=1) if week < this_week else None,
            "popular": popular,
            "zero": zero,
        },
    )


@hooks.register("register_admin_urls")
def register_insights_url():
    return [path("search-insights/", insights_view, name="search_insights")]


@hooks.register("register_reports_menu_item")
def register_insights_menu_item():
    return MenuItem(_("搜索洞察"), reverse("search_insights"), icon_name="search", order=900)
