import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

READING_MODE_MAX_AGE = 365 * 24 * 3600


@never_cache
@require_GET
def healthz(request):
    """The process is alive; says nothing about its dependencies (that is /readyz)."""
    return JsonResponse({"status": "ok"})


def _database_answers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _cache_answers():
    # The Redis backend turns Redis errors into misses for the site; readiness wants the error.
    check = getattr(cache, "check", None)
    if check is not None:
        return check()
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    answered = cache.get(key) == "1"
    cache.delete(key)
    return answered


READINESS_CHECKS = {"database": _database_answers, "cache": _cache_answers}


@never_cache
@require_GET
def readyz(request):
    """200 only when every dependency answers; 503 naming the ones that do not."""
    results = {}
    for name, check in READINESS_CHECKS.items():
        try:
            results[name] = "ok" if check() else "wrong answer"
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            logger.warning("readiness check %s failed: %s", name, error)
            results[name] = f"unavailable: {type(error).__name__}"
    failed = [name for name, result in results.items() if result != "ok"]
    body = {"status": "unavailable" if failed else "ok", "checks": results}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


@require_GET
def set_reading_mode(request, mode):
    """Switch between standard and large-text/high-contrast; a plain link, so no JS is needed."""
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if mode not in settings.READING_MODES:
        return response
    response.set_cookie(
        settings.READING_MODE_COOKIE,
        mode,
        max_age=READING_MODE_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


@require_GET
def favicon(request):
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
