"""The site's 500 handler, which answers 503 when the error is the database being unreachable.

A stopped or unreachable database raises django.db's OperationalError or InterfaceError from
whichever layer first needs it (a view, django-ninja, a middleware), and Django hands every such
exception to ``handler500``. That is an outage of a dependency, not a bug of the request: the
answer is 503 with ``Retry-After`` (JSON under /api/, a short Chinese page elsewhere, rendered
without any context processor since those may query the database), and the log gets one line per
``LOG_INTERVAL`` instead of a traceback per request. Whatever is answered without the database
(cached feeds and 304s, cached manifest polls) goes on being answered as before.
"""

import logging
import sys
import threading
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
LOG_INTERVAL = 30.0

_log_lock = threading.Lock()
_last_logged = None
_unlogged = 0


def _log_outage(error, request):
    global _last_logged, _unlogged
    now = time.monotonic()
    with _log_lock:
        _unlogged += 1
        if _last_logged is not None and now - _last_logged < LOG_INTERVAL:
            return
        count, _unlogged, _last_logged = _unlogged, 0, now
    logger.error(
        "database unavailable (%s: %s) at %s; answering 503 (%d requests since the last message)",
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
        request.path,
        count,
    )


def database_unavailable(request, error):
    _log_outage(error, request)
    message = _("数据库暂时不可用，请稍后再试。")
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": "service unavailable", "detail": [message]},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = HttpResponse(
            render_to_string("503.html", {"message": message}),
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged above, once per interval: Django would add a traceback per request.
    response._has_been_logged = True
    return response


def server_error(request):
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        return database_unavailable(request, error)
    return defaults.server_error(request)
