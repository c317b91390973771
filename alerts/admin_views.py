"""The alerts in the Wagtail admin (menu 应急预警): list, compose, edit drafts, each alert's page
with its actions and audit history, and the operator console.

Every step of an alert's life goes through ``alerts.issuing``, which is the guard: a button
shown here only saves a person a refusal. Views check the permission first (a forged POST by
someone without it changes nothing), then let ``issuing`` refuse what the rules forbid (a
drafter confirming their own alert) and show its message. Only drafts can be edited or deleted,
and the edit is re-checked under a row lock when it is saved.
"""

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import registry as log_registry

from . import console, issuing
from .admin_forms import AlertForm, ReasonForm
from .models import Alert, MsgType, Stage, Status

# Whoever holds any of these sees the menu, the list and each alert's page.
ANY_ALERT_PERMISSION = ["add", "change", "delete", "view", "confirm"]
CONSOLE_REFRESH_SECONDS = 5
# Changed only by alerts.issuing, never by a form.
LIFECYCLE_FIELDS = (
    "stage",
    "created_by_id",
    "submitted_by_id",
    "confirmed_by_id",
    "sent",
    "issued_at",
    "ended_at",
    "cancel_reason",
    "source",
)


def local_time(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else ""


def person(user):
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username()).strip()


def status_label(alert):
    return alert.label or _("正式")


def source_label(alert):
    if alert.source == "admin":
        return _("管理后台")
    if alert.source.startswith("ingest:"):
        return _("CAP 导入：%(origin)s") % {"origin": alert.source.removeprefix("ingest:")}
    return alert.source


def area_names(alert):
    return "、".join(region.name for region in alert.areas.all())


def is_editable(alert):
    return alert.stage == Stage.DRAFT


class AlertFilterSet(WagtailFilterSet):
    stage = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=Stage.choices)
    status = django_filters.ChoiceFilter(label=gettext_lazy("性质"), choices=Status.choices)
    msg_type = django_filters.ChoiceFilter(label=gettext_lazy("消息类型"), choices=MsgType.choices)

    class Meta:
        model = Alert
        fields = ["stage", "status", "msg_type"]


class AlertIndexView(generic.IndexView):
    any_permission_required = ANY_ALERT_PERMISSION
    queryset = Alert.objects.select_related("created_by", "confirmed_by").prefetch_related("areas")

    def get_edit_url(self, instance):
        if is_editable(instance) and self.user_has_permission("add"):
            # Composers edit drafts: the edit view asks for add_alert (see AlertEditView).
            return reverse(self.edit_url_name, args=[instance.pk])
        return None

    def get_delete_url(self, instance):
        return super().get_delete_url(instance) if is_editable(instance) else None


class DraftOnlyMixin:
    """Refuses any request (GET or a forged POST) for an alert that is no longer a draft."""

    def dispatch(self, request, *args, **kwargs):
        if not self.user_has_permission(self.permission_required):
            raise PermissionDenied
        alert = get_object_or_404(Alert, pk=kwargs["pk"])
        try:
            if not is_editable(alert):
                raise NotADraft(alert)
            return super().dispatch(request, *args, **kwargs)
        except NotADraft as refused:
            messages.error(request, _("只有草稿可以修改；已提交或已发布的预警请起草更新或解除。"))
            return redirect("alerts_alert:inspect", refused.alert.pk)

    def check_still_a_draft(self):
        """Under a row lock: someone may have submitted the draft since this request loaded
        it, and saving (or deleting) it now would undo their step."""
        locked = Alert.objects.select_for_update().filter(pk=self.object.pk).first()
        if locked is None or not is_editable(locked):
            raise NotADraft(self.object)
        # The form saves every column: the lifecycle ones are written back as they are now.
        for name in LIFECYCLE_FIELDS:
            setattr(self.object, name, getattr(locked, name))


class NotADraft(Exception):
    def __init__(self, alert):
        super().__init__(alert.pk)
        self.alert = alert


class DraftFormMixin:
    """What composing and editing share: Chinese labels, and the alert's page afterwards
    (where its next step is)."""

    success_message = gettext_lazy("预警草稿“%(object)s”已保存。")
    error_message = gettext_lazy("预警草稿未能保存，请修改标出的错误。")
    submit_button_label = gettext_lazy("保存草稿")
    submit_button_active_label = gettext_lazy("正在保存…")

    def get_success_url(self):
        return reverse("alerts_alert:inspect", args=[self.object.pk])

    def get_success_buttons(self):
        return []


class AlertCreateView(DraftFormMixin, generic.CreateView):
    page_title = gettext_lazy("起草预警")

    def save_instance(self):
        alert = self.form.instance
        alert.created_by = self.request.user
        alert.stage = Stage.DRAFT
        alert.source = "admin"
        return super().save_instance()


class AlertEditView(DraftOnlyMixin, DraftFormMixin, generic.EditView):
    # Composing includes reworking one's drafts; cancelling (change_alert) is a different power.
    permission_required = "add"
    page_title = gettext_lazy("编辑预警草稿")

    def save_instance(self):
        self.check_still_a_draft()
        return super().save_instance()


class AlertDeleteView(DraftOnlyMixin, generic.DeleteView):
    page_title = gettext_lazy("删除预警草稿")
    success_message = gettext_lazy("预警草稿“%(object)s”已删除。")

    def delete_action(self):
        with transaction.atomic():
            self.check_still_a_draft()
            super().delete_action()


class AlertDetailView(generic.InspectView):
    """One alert: its content, the steps open to this person, and its audit history."""

    any_permission_required = ANY_ALERT_PERMISSION
    page_title = gettext_lazy("预警详情")
    template_name = "alerts/admin/detail.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Alert.objects.select_related(
                "replaces", "created_by", "submitted_by", "confirmed_by"
            ).prefetch_related("areas", "explainers"),
            pk=self.pk,
        )

    def get_fields(self):
        return []

    def get_edit_url(self):
        if is_editable(self.object) and self.user_has_permission("add"):
            return reverse("alerts_alert:edit", args=[self.object.pk])
        return None

    def get_delete_url(self):
        if is_editable(self.object):
            return super().get_delete_url()
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alert = self.object
        user = self.request.user
        own = user.pk in {alert.created_by_id, alert.submitted_by_id}
        context.update(
            alert=alert,
            status_label=status_label(alert),
            source_label=source_label(alert),
            people={
                "created_by": person(alert.created_by),
                "submitted_by": person(alert.submitted_by),
                "confirmed_by": person(alert.confirmed_by),
            },
            changed_by=alert.changed_by.order_by("created_at", "pk"),
            history=history(alert),
            edit_url=self.get_edit_url(),
            can_submit=alert.stage == Stage.DRAFT and issuing.can_compose(user),
            can_confirm=alert.stage == Stage.AWAITING and issuing.can_confirm(user) and not own,
            own_awaiting=alert.stage == Stage.AWAITING and own,
            can_send_back=alert.stage == Stage.AWAITING and issuing.can_confirm(user),
            is_live=alert.stage == Stage.ISSUED and alert.msg_type != MsgType.CANCEL,
            can_update=issuing.can_compose(user),
            can_cancel=issuing.can_cancel(user),
            reason_form=ReasonForm(),
            confirmers_group=issuing.CONFIRMERS_GROUP,
        )
        return context


def history(alert):
    """The audit log of one alert, oldest first: who, when, what, why."""
    entries = log_registry.get_logs_for_instance(alert).select_related("user")
    return [
        {
            "timestamp": entry.timestamp,
            "message": entry.message,
            "user": entry.user_display_name,
            "reason": (entry.data or {}).get("reason", ""),
            "by": (entry.data or {}).get("by", ""),
        }
        for entry in sorted(entries, key=lambda entry: (entry.timestamp, entry.pk))
    ]


class AlertConsoleView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Operator console: which targeted screens show the alert, which do not, and how fast."""

    model = Alert
    any_permission_required = ANY_ALERT_PERMISSION
    template_name = "alerts/admin/console.html"
    page_title = gettext_lazy("运行监控")
    header_icon = "desktop"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.alert = get_object_or_404(Alert, pk=kwargs["pk"])

    def get_page_subtitle(self):
        return self.alert.headline

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("alerts_alert:index"), "label": _("应急预警")},
            {
                "url": reverse("alerts_alert:inspect", args=[self.alert.pk]),
                "label": self.alert.headline,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(
            alert=self.alert,
            console=console.summary(self.alert, now),
            now=now,
            offline_minutes=int(console.OFFLINE_AFTER.total_seconds() // 60),
            refresh_seconds=CONSOLE_REFRESH_SECONDS if self.alert.is_active(now) else None,
        )
        return context


# --- the steps, each a POST --------------------------------------------------------------


def _step(permission):
    """A POST-only view for one step: refused outright without ``permission``; otherwise
    ``issuing`` decides, and its refusal is shown on the alert's page."""

    def decorator(function):
        @require_POST
        def view(request, pk):
            alert = get_object_or_404(Alert, pk=pk)
            if not request.user.has_perm(permission):
                raise PermissionDenied
            try:
                with transaction.atomic():
                    target = function(request, alert)
            except issuing.IssuingError as refused:
                messages.error(request, str(refused))
                return redirect("alerts_alert:inspect", alert.pk)
            return redirect(target)

        view.__name__ = function.__name__
        return view

    return decorator


def _reason(request):
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


@_step("alerts.add_alert")
def submit_view(request, alert):
    issuing.submit(alert, request.user)
    alert.refresh_from_db()
    if alert.stage == Stage.AWAITING:
        messages.success(
            request,
            _("已提交，等待“%(group)s”组的另一位成员确认后发布。")
            % {"group": issuing.CONFIRMERS_GROUP},
        )
    else:
        messages.success(request, _("已发布（%(label)s）。") % {"label": status_label(alert)})
    return reverse("alerts_alert:inspect", args=[alert.pk])


@_step(issuing.CONFIRM_PERMISSION)
def confirm_view(request, alert):
    issuing.confirm(alert, request.user)
    messages.success(request, _("已确认，预警已发布。"))
    return reverse("alerts_alert:inspect", args=[alert.pk])


@_step(issuing.CONFIRM_PERMISSION)
def send_back_view(request, alert):
    issuing.send_back(alert, request.user, _reason(request))
    messages.success(request, _("已退回起草人修改。"))
    return reverse("alerts_alert:inspect", args=[alert.pk])


@_step("alerts.add_alert")
def draft_update_view(request, alert):
    update = issuing.draft_update(alert, request.user)
    messages.success(request, _("已起草更新，修改后提交。"))
    return reverse("alerts_alert:edit", args=[update.pk])


@_step("alerts.change_alert")
def cancel_view(request, alert):
    message = issuing.cancel(alert, request.user, _reason(request))
    messages.success(
        request,
        _("预警已解除，解除消息 %(identifier)s 已发出。") % {"identifier": message.identifier},
    )
    return reverse("alerts_alert:inspect", args=[alert.pk])


class AlertViewSet(ModelViewSet):
    model = Alert
    icon = "warning"
    menu_label = gettext_lazy("应急预警")
    menu_order = 250
    add_to_admin_menu = True
    index_view_class = AlertIndexView
    add_view_class = AlertCreateView
    edit_view_class = AlertEditView
    delete_view_class = AlertDeleteView
    inspect_view_class = AlertDetailView
    inspect_view_enabled = True
    # A copy would carry the identifier's meaning along with it; updates are drafted instead.
    copy_view_enabled = False
    filterset_class = AlertFilterSet
    search_fields = ["headline", "event", "identifier"]
    list_display = [
        TitleColumn(
            "headline",
            label=gettext_lazy("标题"),
            get_url=lambda alert: reverse("alerts_alert:inspect", args=[alert.pk]),
        ),
        "event",
        Column("colour", label=gettext_lazy("颜色"), accessor="colour_label"),
        Column("label", label=gettext_lazy("性质"), accessor=status_label),
        Column("msg_type", label=gettext_lazy("消息类型"), accessor="get_msg_type_display"),
        Column("stage", label=gettext_lazy("状态"), accessor="get_stage_display"),
        Column("areas", label=gettext_lazy("预警区域"), accessor=area_names),
        Column(
            "expires",
            label=gettext_lazy("失效时间"),
            accessor=lambda alert: local_time(alert.expires),
        ),
        Column("created_by", label=gettext_lazy("起草人"), accessor=lambda a: person(a.created_by)),
        Column(
            "confirmed_by",
            label=gettext_lazy("审核确认人"),
            accessor=lambda alert: person(alert.confirmed_by),
        ),
    ]

    def get_form_class(self, for_update=False):
        return AlertForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("submit/<int:pk>/", submit_view, name="submit"),
            path("confirm/<int:pk>/", confirm_view, name="confirm"),
            path("send-back/<int:pk>/", send_back_view, name="send_back"),
            path("draft-update/<int:pk>/", draft_update_view, name="draft_update"),
            path("cancel/<int:pk>/", cancel_view, name="cancel"),
            path("console/<int:pk>/", AlertConsoleView.as_view(), name="console"),
        ]
