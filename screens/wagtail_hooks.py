"""Screens in the Wagtail admin: registry with online status, groups, playlists, schedules,
claiming a pairing code, a screen's page (plays, manifest preview, revoke, refresh) and the
proof-of-play report with CSV export."""

import json

import django_filters
from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.auth import permission_denied, require_admin_access
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.reports import ReportView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from content.models import Region
from kepuqingcheng.spreadsheets import SafeSpreadsheetExportMixin

from . import auth, manifest, pairing, report
from .models import OFFLINE_AFTER, PlaceType, Playlist, Schedule, Screen, ScreenGroup
from .provisioning import CSV_COLUMNS
from .signals import screen_command

STATUS_CHOICES = [("online", _("在线")), ("offline", _("离线")), ("never", _("从未连接"))]


def online_threshold(now=None):
    return (now or timezone.now()) - OFFLINE_AFTER


def status_label(screen):
    if not screen.enabled:
        return _("已停用")
    if cache.get(f"screens:connected:{screen.pk}") is not None:
        return _("在线 · 推送已连接")
    if screen.last_seen_at is None:
        return _("从未连接")
    if screen.last_seen_at >= online_threshold():
        return _("在线")
    return _("离线")


class ScreenFilterSet(WagtailFilterSet):
    region = django_filters.ModelChoiceFilter(
        label=_("地区"), queryset=Region.objects.order_by("path"), method="filter_region"
    )
    place = django_filters.ChoiceFilter(label=_("场所类型"), choices=PlaceType.choices)
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=STATUS_CHOICES, method="filter_status"
    )

    class Meta:
        model = Screen
        fields = ["region", "place", "status", "enabled"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path)

    def filter_status(self, queryset, name, value):
        threshold = online_threshold()
        if value == "online":
            return queryset.filter(last_seen_at__gte=threshold)
        if value == "offline":
            return queryset.filter(last_seen_at__lt=threshold)
        return queryset.filter(last_seen_at__isnull=True)


class ScreenIndexView(SafeSpreadsheetExportMixin, IndexView):
    pass


class ScreenViewSet(ModelViewSet):
    model = Screen
    index_view_class = ScreenIndexView
    icon = "desktop"
    menu_label = _("电子屏")
    # The CSV import's columns are the screen's own settings; the editor adds the rest.
    form_fields = [*CSV_COLUMNS, "audiences", "playlist", "enabled"]
    filterset_class = ScreenFilterSet
    search_fields = ["name", "address"]
    list_display = [
        TitleColumn(
            "name",
            label=_("名称"),
            get_url=lambda screen: reverse("screens_detail", args=[screen.pk]),
        ),
        "region",
        "place",
        Column("status", label=_("状态"), accessor=status_label),
        Column("last_seen_at", label=_("最近在线")),
        Column("player_version", label=_("播放器版本")),
    ]
    list_export = ["name", "region", "place", "address", "last_seen_at", "player_version"]
    queryset = Screen.objects.select_related("region")


class ScreenGroupViewSet(ModelViewSet):
    model = ScreenGroup
    icon = "group"
    menu_label = _("电子屏分组")
    form_fields = ["name", "region", "place", "playlist"]
    list_display = [
        "name",
        "region",
        "place",
        "playlist",
        TitleColumn(
            "refresh",
            label=_("操作"),
            accessor=lambda group: _("立即刷新"),
            get_url=lambda group: reverse("screens_group_reload", args=[group.pk]),
        ),
    ]


class PlaylistViewSet(ModelViewSet):
    model = Playlist
    icon = "list-ul"
    menu_label = _("播放列表")
    # rule_note: what the system could not recognise in a playlist's rules, for an editor to fix.
    list_display = ["name", "order", "newest", "rule_note", "updated_at"]
    search_fields = ["name"]


class ScheduleViewSet(ModelViewSet):
    model = Schedule
    icon = "date"
    menu_label = _("排期")
    form_fields = [
        "playlist",
        "screen",
        "group",
        "priority",
        "emergency",
        "start_time",
        "end_time",
        "weekdays",
        "start_date",
        "end_date",
        "enabled",
    ]
    list_display = ["playlist", "screen", "group", "priority", "emergency", "weekdays", "enabled"]


class ScreensGroup(ViewSetGroup):
    menu_label = _("电子屏")
    menu_icon = "desktop"
    menu_order = 260
    items = (
        ScreenViewSet("screens_screen"),
        ScreenGroupViewSet("screens_group"),
        PlaylistViewSet("screens_playlist"),
        ScheduleViewSet("screens_schedule"),
    )


@hooks.register("register_admin_viewset")
def register_screens():
    return ScreensGroup()


# --- views ---------------------------------------------------------------------------------


def _can_change(user):
    return user.has_perm("screens.change_screen")


class ClaimForm(forms.Form):
    code = forms.CharField(label=_("配对码"), max_length=12, help_text=_("电子屏上显示的 6 位码"))
    screen = forms.ModelChoiceField(label=_("电子屏"), queryset=Screen.objects.order_by("name"))


@require_admin_access
def claim_view(request):
    if not _can_change(request.user):
        return permission_denied(request)
    form = ClaimForm(request.POST or None, initial={"screen": request.GET.get("screen")})
    if request.method == "POST" and form.is_valid():
        try:
            pairing.claim(form.cleaned_data["code"], form.cleaned_data["screen"], request.user)
        except pairing.PairingError as error:
            form.add_error("code", str(error))
        else:
            messages.success(
                request,
                _("已认领：电子屏“%(name)s”将在几秒内收到令牌。")
                % {"name": form.cleaned_data["screen"].name},
            )
            return redirect("screens_detail", form.cleaned_data["screen"].pk)
    return TemplateResponse(
        request,
        "screens/admin/claim.html",
        {"form": form, "page_title": _("认领电子屏"), "header_icon": "desktop"},
    )


@require_admin_access
def detail_view(request, pk):
    screen = get_object_or_404(Screen.objects.select_related("region", "playlist"), pk=pk)
    recent = screen.plays.select_related("page").order_by("-started_at")[:50]
    preview = None
    if screen.enabled:
        _version, body = manifest.manifest_for(screen.pk)
        preview = json.dumps(body, ensure_ascii=False, indent=2) if body else None
    return TemplateResponse(
        request,
        "screens/admin/detail.html",
        {
            "screen": screen,
            "status": status_label(screen),
            "recent": recent,
            "preview": preview,
            "groups": screen.groups(),
            "page_title": screen.name,
            "header_icon": "desktop",
            "can_change": _can_change(request.user),
        },
    )


@require_admin_access
@require_POST
def revoke_view(request, pk):
    if not _can_change(request.user):
        return permission_denied(request)
    screen = get_object_or_404(Screen, pk=pk)
    auth.revoke_token(screen)
    messages.success(request, _("令牌已吊销，这块屏需要重新配对。"))
    return redirect("screens_detail", pk)


@require_admin_access
@require_POST
def reload_view(request, pk):
    if not _can_change(request.user):
        return permission_denied(request)
    screen = get_object_or_404(Screen, pk=pk)
    screen_command.send(sender=Screen, screen_ids=[screen.pk], command="reload")
    messages.success(request, _("已通知电子屏立即刷新。"))
    return redirect("screens_detail", pk)


@require_admin_access
def group_reload_view(request, pk):
    if not _can_change(request.user):
        return permission_denied(request)
    group = get_object_or_404(ScreenGroup.objects.select_related("region"), pk=pk)
    ids = list(group.screens().values_list("pk", flat=True))
    if request.method != "POST":
        return TemplateResponse(
            request,
            "screens/admin/group_reload.html",
            {
                "group": group,
                "count": len(ids),
                "page_title": _("刷新分组"),
                "header_icon": "group",
            },
        )
    screen_command.send(sender=ScreenGroup, screen_ids=ids, command="reload")
    messages.success(request, _("已通知 %(count)d 块电子屏立即刷新。") % {"count": len(ids)})
    return redirect("screens_group:index")


class ReportForm(forms.Form):
    start = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    screen = forms.ModelChoiceField(
        label=_("电子屏"), queryset=Screen.objects.order_by("name"), required=False
    )


class PlayReportView(SafeSpreadsheetExportMixin, ReportView):
    """Plays and seconds per content, screen and day on the page; the CSV and XLSX exports hold
    one row per day, screen and content (Wagtail's spreadsheet export)."""

    page_title = _("播放报告")
    header_icon = "doc-full"
    template_name = "screens/admin/report.html"
    index_url_name = "screens_report"
    # The page shows totals, not the rows; the exports are never paginated.
    paginate_by = None
    # The page's own form links to both exports; no second pair in the header's menu.
    show_export_buttons = False
    list_export = ["day", "screen_id", "screen__name", "page_id", "title", "plays", "seconds"]
    # Machine-readable column names, as in the report's first CSV: scripts read them.
    export_headings = {
        "day": "date",
        "screen_id": "screen_id",
        "screen__name": "screen",
        "page_id": "page_id",
        "title": "content",
        "plays": "plays",
        "seconds": "seconds",
    }

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # The report's export link used to be ?format=csv; saved links keep working.
        self.legacy_csv = request.GET.get("format") == self.FORMAT_CSV
        self.is_export = self.is_export or self.legacy_csv

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if self.legacy_csv and spreadsheet_format not in self.FORMATS:
            spreadsheet_format = self.FORMAT_CSV
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def get_filtered_queryset(self):
        self.form = ReportForm(self.request.GET or None)
        data = self.form.cleaned_data if self.form.is_valid() else {}
        self.start, self.end = report.period(data.get("start"), data.get("end"))
        self.screen_ids = [data["screen"].pk] if data.get("screen") else None
        return report.rows(self.start, self.end, self.screen_ids)

    def get_filename(self):
        return f"plays-{self.start}-{self.end}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            form=self.form,
            start=self.start,
            end=self.end,
            summary=report.summary(self.start, self.end, self.screen_ids),
        )
        return context


@hooks.register("register_admin_urls")
def register_screen_urls():
    return [
        path("screens/claim/", claim_view, name="screens_claim"),
        path("screens/report/", PlayReportView.as_view(), name="screens_report"),
        path("screens/<int:pk>/", detail_view, name="screens_detail"),
        path("screens/<int:pk>/revoke/", revoke_view, name="screens_revoke"),
        path("screens/<int:pk>/reload/", reload_view, name="screens_reload"),
        path("screens/groups/<int:pk>/reload/", group_reload_view, name="screens_group_reload"),
    ]


@hooks.register("register_reports_menu_item")
def register_report_item():
    return MenuItem(_("电子屏播放报告"), reverse("screens_report"), icon_name="doc-full", order=800)


@hooks.register("register_admin_menu_item")
def register_claim_item():
    return MenuItem(_("认领电子屏"), reverse("screens_claim"), icon_name="link", order=261)
