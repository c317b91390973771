from django.urls import path

from . import views

app_name = "feeds"

urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("rss/", views.feed, {"kind": "rss"}, name="rss"),
    path("atom/", views.feed, {"kind": "atom"}, name="atom"),
    path("json/", views.feed, {"kind": "json"}, name="json"),
]
