from django.urls import path, re_path

from . import views

app_name = "alerts"

# Identifiers follow alerts.models.IDENTIFIER_PATTERN.
IDENTIFIER = r"(?P<identifier>[A-Za-z0-9_.:@\-]{1,128})"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("feed/", views.alert_feed, name="feed"),
    re_path(rf"^cap/{IDENTIFIER}\.xml$", views.alert_cap, name="cap"),
    re_path(rf"^{IDENTIFIER}/$", views.alert_detail, name="detail"),
]
