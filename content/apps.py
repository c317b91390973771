from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = _("科普内容")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from home import periodic

        from . import changes, scheduling

        changes.connect()
        periodic.register(
            "publish_scheduled",
            scheduling.publish_scheduled,
            interval_setting="PUBLISH_SCHEDULED_SECONDS",
            default=30,
        )
