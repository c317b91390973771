"""The screen player: the page at /screen/, its service worker and the QR codes it shows.

The player is static JavaScript (``static/screen/``); these views only give it a page, a service
worker at /screen/sw.js (a worker controls only pages under its own path, so it cannot live under
/static/) and SVG QR codes made here, so a screen on a closed network needs nothing from outside.
Included from ``kepuqingcheng/urls.py`` at ``screen/``.
"""

import hashlib
import io
import json
from functools import lru_cache
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.views.decorators.http import require_GET
from wagtail.models import Site

PLAYER_VERSION = "1.0.0"
QR_MAX_URL = 500
# What the service worker keeps so the player starts offline: the style and every ES module the
# entry player.js imports, directly or not (tests/screens/test_player_modules.py checks the list
# against the imports).
PLAYER_MODULES = [
    "player.js",
    "alertcard.js",
    "alerting.js",
    "alerts.js",
    "builders.js",
    "dom.js",
    "expiry.js",
    "network.js",
    "offline.js",
    "pairing.js",
    "playback.js",
    "rotation.js",
    "schedule.js",
    "state.js",
    "storage.js",
]
SHELL_ASSETS = [*(f"screen/{name}" for name in PLAYER_MODULES), "screen/player.css"]
# Shared with static/screen/storage.js, which fills it: media by URL, each verified by its sha256.
MEDIA_CACHE = "kepu-screen-media-v1"


@require_GET
def player(request):
    response = render(
        request,
        "screens/player.html",
        {
            "player_version": PLAYER_VERSION,
            "api_base": "/api/v1/screens/",
            "sw_url": reverse("screen_sw"),
            "qr_url": reverse("screen_qr"),
        },
    )
    # The shell must be re-checked on every load so a new player reaches screens; offline, the
    # service worker answers from its cache instead.
    response["Cache-Control"] = "no-cache"
    return response


def _shell_urls():
    return [reverse("screen_player"), *(static(name) for name in SHELL_ASSETS)]


@lru_cache(maxsize=4)
def _worker_source(shell_key):
    location = finders.find("screen/sw.js")
    with open(location, encoding="utf-8") as handle:
        source = handle.read()
    shell = json.loads(shell_key)
    # The shell's (hashed, in production) asset URLs are part of the script, so a new player
    # release changes the worker's bytes and the browser installs it.
    version = hashlib.sha256((shell_key + source + PLAYER_VERSION).encode()).hexdigest()[:16]
    header = (
        f"const SHELL = {json.dumps(shell)};\n"
        f"const SHELL_VERSION = {json.dumps(version)};\n"
        f"const MEDIA_CACHE = {json.dumps(MEDIA_CACHE)};\n"
    )
    return header + source


@require_GET
def service_worker(request):
    body = _worker_source(json.dumps(_shell_urls()))
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("screen_player")
    response["Cache-Control"] = "no-cache"
    return response


def _allowed_hosts(request):
    hosts = {request.get_host().lower()}
    site_url = urlsplit(getattr(settings, "SITE_URL", "") or "")
    if site_url.netloc:
        hosts.add(site_url.netloc.lower())
    for hostname, port in Site.objects.values_list("hostname", "port"):
        hostname = hostname.lower()
        hosts.add(hostname)
        hosts.add(f"{hostname}:{port}")
    return hosts


@require_GET
def qr_svg(request):
    """An SVG QR code for a page of this site (only: it is not a QR service for any link)."""
    url = request.GET.get("url", "")
    if not url or len(url) > QR_MAX_URL:
        return HttpResponseBadRequest(
            "url 参数缺失或过长 (url missing or too long)", content_type="text/plain; charset=utf-8"
        )
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or parts.netloc.lower() not in _allowed_hosts(request):
        return HttpResponseBadRequest(
            "只能为本站网址生成二维码 (only this site's URLs)",
            content_type="text/plain; charset=utf-8",
        )
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", scale=8, border=2, xmldecl=False, svgns=True, title=url
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=604800, immutable"
    return response


urlpatterns = [
    path("", player, name="screen_player"),
    path("sw.js", service_worker, name="screen_sw"),
    path("qr.svg", qr_svg, name="screen_qr"),
]
