from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewslettersConfig(AppConfig):
    name = "newsletters"
    verbose_name = _("科普简报")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from home import periodic

        from . import subscribing

        periodic.register(
            "expire_unconfirmed_subscribers",
            subscribing.expire_unconfirmed,
            interval_setting="NEWSLETTERS_EXPIRE_SECONDS",
            default=3600,
        )
