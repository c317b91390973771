from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreensConfig(AppConfig):
    name = "screens"
    verbose_name = _("电子屏")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import push, receivers  # noqa: F401 - push connects its receivers on import

        receivers.connect()
        self.connect_topic_rules()

    def connect_topic_rules(self):
        # Playlists' topics are a relation like their audiences and regions: setting them must
        # refresh the playlist as setting those does.
        from django.db.models.signals import m2m_changed

        from .models import Playlist
        from .receivers import playlist_rules_changed

        m2m_changed.connect(
            playlist_rules_changed, sender=Playlist.topics.through, dispatch_uid="screens.pl.topics"
        )
