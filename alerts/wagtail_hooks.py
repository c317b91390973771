"""The alerts in the Wagtail admin: the 应急预警 menu (``admin_views``) and audit-log actions
named in Chinese."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .admin_views import AlertViewSet

LOG_ACTIONS = {
    "alerts.submit": (_("提交预警（待第二人确认）"), _("已提交预警，待确认")),
    "alerts.issue": (_("发布预警"), _("已发布预警")),
    "alerts.confirm": (_("确认并发布预警"), _("已确认并发布预警")),
    "alerts.send_back": (_("退回预警"), _("已退回预警")),
    "alerts.update": (_("起草预警更新"), _("已起草预警更新")),
    "alerts.supersede": (_("预警被更新取代"), _("预警已被更新取代")),
    "alerts.cancel": (_("解除预警"), _("已解除预警")),
    "alerts.expire": (_("预警到期"), _("预警已到期")),
    "alerts.ingest": (_("导入 CAP 消息"), _("已导入 CAP 消息")),
}


@hooks.register("register_log_actions")
def register_alert_log_actions(actions):
    for action, (label, message) in LOG_ACTIONS.items():
        actions.register_action(action, label, message)


@hooks.register("register_admin_viewset")
def register_alerts_admin():
    return AlertViewSet("alerts_alert")
