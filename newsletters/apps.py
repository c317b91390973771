from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewslettersConfig(AppConfig):
    name = "newsletters"
    verbose_name = _("科普简报")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from alerts import signals as alert_signals
        from home import periodic

        from . import alerting, digests, issues, subscribing, tasks

        periodic.register(
            "expire_unconfirmed_subscribers",
            subscribing.expire_unconfirmed,
            interval_setting="NEWSLETTERS_EXPIRE_SECONDS",
            default=3600,
        )
        # Sending: restart delivery if nothing is queued to do it (retries on the immediate
        # backend, a task lost in a crash), and plan the digests at their scheduled times.
        periodic.register(
            "newsletters_deliver",
            tasks.sweep,
            interval_setting="NEWSLETTERS_DELIVER_SECONDS",
            default=15,
        )
        periodic.register(
            "newsletters_digests",
            digests.run_scheduled,
            interval_setting="NEWSLETTERS_SCHEDULE_SECONDS",
            default=60,
        )
        periodic.register(
            "newsletters_issues",
            issues.send_scheduled,
            interval_setting="NEWSLETTERS_SCHEDULE_SECONDS",
            default=60,
        )
        # The emergency lane: alerts tell, newsletters email (alerts import nothing of ours).
        alert_signals.alert_issued.connect(alerting.on_issued, dispatch_uid="newsletters")
        alert_signals.alert_cancelled.connect(alerting.on_cancelled, dispatch_uid="newsletters")
