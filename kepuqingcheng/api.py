"""The public JSON API under /api/v1/, one django-ninja instance with a router per app.

The OpenAPI document is served at /api/v1/openapi.json and the docs at /api/v1/docs.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import Throttled, ValidationError

api = NinjaAPI(
    title="科普青城 API",
    version="1",
    description="呼和浩特数字科普平台公开接口",
    urls_namespace="api_v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(ValidationError)
def validation_error(request, error):
    """Bad input is a 400 with a message saying which parameter is wrong, never a 422 or 500."""
    problems = []
    for item in error.errors:
        location = ".".join(str(part) for part in item.get("loc", ()) if part not in {"query"})
        problems.append(f"{location}: {item.get('msg', 'invalid')}")
    return JsonResponse({"error": "invalid request", "detail": problems}, status=400)


@api.exception_handler(Throttled)
def throttled(request, error):
    """ninja's own 429 says "Too many requests." in English; the API speaks Chinese."""
    return api.create_response(request, {"detail": _("请求过于频繁，请稍后再试。")}, status=429)


# Routers are registered here so the whole API surface is visible in one place.
api.add_router("/", "feeds.api.router")
api.add_router("", "search.api.router")
api.add_router("", "screens.api.router")
api.add_router("/screens/events", "screens.events.router")
api.add_router("", "alerts.api.router")
