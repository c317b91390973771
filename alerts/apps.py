from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("应急预警")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from home import periodic
        from screens import alerting

        from . import cards, ingest, issuing

        alerting.register_alert_cards(cards.cards_for_screen)
        periodic.register(
            "expire_alerts",
            issuing.expire_due,
            interval_setting="ALERTS_EXPIRE_SECONDS",
            default=15,
        )
        periodic.register(
            "poll_cap_sources",
            ingest.poll_sources,
            interval_setting="CAP_POLL_SECONDS",
            default=60,
        )
