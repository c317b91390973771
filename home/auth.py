"""Login lockout (django-axes): who is counted, and from which address."""

from axes.backends import AxesStandaloneBackend
from axes.conf import settings
from axes.helpers import get_cool_off, get_failure_limit
from django.shortcuts import render


class LoginLockoutBackend(AxesStandaloneBackend):
    """Refuses logins while an account or address is locked out.

    Only web logins are counted: ``authenticate()`` without a request (a management command,
    the test client's ``login()``) is not an attempt from an address, so it is left to the
    next backend instead of failing as axes would.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request):
    """The address that made the request. Behind a proxy, uvicorn's --proxy-headers has already
    replaced REMOTE_ADDR with the client's address, and only for the proxies listed in
    FORWARDED_ALLOW_IPS; X-Forwarded-For is never read here, since anyone can send it."""
    return request.META.get("REMOTE_ADDR") or None


def lockout_response(request, original_response=None, credentials=None):
    """The Chinese page shown instead of the login form while locked out (HTTP 429)."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
    }
    return render(request, "home/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
