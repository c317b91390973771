from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("站点")
    default_auto_field = "django.db.models.BigAutoField"
    # Rows of home's own that public pages show: the home page's featured picks. Content counts
    # their saves as content changes (``content.changes``) without naming them itself. (The
    # image model is counted as the image model, whichever app defines it.)
    content_models = ("home.HomePageFeatured",)
