from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from home import uploads
from home import views as home_views
from kepuqingcheng.api import api
from screens import events as screen_events

urlpatterns = [
    path("healthz", home_views.healthz, name="healthz"),
    path("readyz", home_views.readyz, name="readyz"),
    path("reading-mode/<slug:mode>/", home_views.set_reading_mode, name="reading_mode"),
    # Browsers and crawlers ask for /favicon.ico whatever the page links.
    path("favicon.ico", home_views.favicon, name="favicon"),
    # The screens' event stream is a plain streaming view (async under ASGI), not an API operation.
    path("api/v1/screens/events", screen_events.events, name="screen_events"),
    path("api/v1/", api.urls),
    path("screen/", include("screens.player")),
    path("search/", include("search.urls")),
    path("feeds/", include("feeds.urls")),
    path("alerts/", include("alerts.urls")),
    path("newsletters/", include("newsletters.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

# Always routed: private documents and media must never be served from MEDIA_ROOT directly,
# whatever serves the public images (see home/uploads.py).
urlpatterns += [re_path(r"^media/(?P<path>.*)$", uploads.serve, name="media")]

urlpatterns += [path("", include(wagtail_urls))]

# A database outage is a 503 with Retry-After, not a 500 (see kepuqingcheng/errors.py).
handler500 = "kepuqingcheng.errors.server_error"
