from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreensConfig(AppConfig):
    name = "screens"
    verbose_name = _("电子屏")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import push, receivers  # noqa: F401 - push connects its receivers on import

        receivers.connect()
