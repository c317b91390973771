"""TOTP two-factor sign-in for the admin (django-otp).

Wagtail's own login form checks the password; after it, an account that has a confirmed TOTP
device (or every admin account, with ADMIN_REQUIRE_2FA) is not trusted until it enters a
six-digit code on a second page. Until then the admin answers only that page (and enrolment,
when enrolment is required), and the rest of the site treats the session as anonymous, so a
password alone opens neither the admin nor pages and documents restricted to logged-in users.
"""

import base64
import functools
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "TOTP"


def requires_second_factor(user):
    if not user.is_authenticated:
        return False
    if user_has_device(user, confirmed=True):
        return True
    return settings.ADMIN_REQUIRE_2FA and user.has_perm("wagtailadmin.access_admin")


def is_pending(user):
    """Signed in with a password, but the code is still owed."""
    return requires_second_factor(user) and not user.is_verified()


@functools.cache
def _admin_prefix():
    return reverse("wagtailadmin_home")


@functools.cache
def _open_admin_paths():
    return {
        reverse("wagtailadmin_login"),
        reverse("wagtailadmin_logout"),
        reverse("two_factor_verify"),
        reverse("two_factor_setup"),
        reverse("wagtailadmin_javascript_catalog"),
    }


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware, which tells whether the session entered a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(_admin_prefix()):
            if request.path not in _open_admin_paths() and is_pending(request.user):
                return redirect_to_second_step(request, request.get_full_path())
        else:
            user = request.user
            request.user = SimpleLazyObject(functools.partial(_public_user, user))
        return self.get_response(request)


def _public_user(user):
    return AnonymousUser() if is_pending(user) else user


def redirect_to_second_step(request, next_url):
    has_device = user_has_device(request.user, confirmed=True)
    target = reverse("two_factor_verify" if has_device else "two_factor_setup")
    return redirect(f"{target}?{urlencode({'next': next_url})}")


def _safe_next(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("wagtailadmin_home")


class CodeForm(forms.Form):
    otp_token = forms.RegexField(
        label=gettext_lazy("6 位动态验证码"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("请输入身份验证器应用中显示的 6 位数字。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_otp_token(self):
        token = self.cleaned_data["otp_token"].strip()
        allowed, _detail = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(_("验证码错误次数过多，请稍后再试。"))
        if not self.device.verify_token(token):
            raise forms.ValidationError(_("验证码不正确或已过期，请重新输入。"))
        return token


@never_cache
@sensitive_post_parameters("otp_token")
def verify(request):
    """The second step of signing in: the code from the enrolled device. (Like every admin
    URL registered by a hook, this one and ``setup`` already require a signed-in admin.)"""
    device = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).first()
    if device is None:
        return redirect_to_second_step(request, _safe_next(request))
    if request.user.is_verified():
        return redirect(_safe_next(request))
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        return redirect(_safe_next(request))
    return TemplateResponse(
        request,
        "home/twofactor/verify.html",
        {"form": form, "next": _safe_next(request)},
        status=200 if request.method == "GET" or form.is_valid() else 400,
    )


def _qr_svg(device):
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


@never_cache
@sensitive_post_parameters("otp_token")
def setup(request):
    """Enrol an authenticator app: a QR code and the secret, confirmed by one code."""
    confirmed = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).first()
    if confirmed is not None:
        if not request.user.is_verified():
            return redirect_to_second_step(request, request.get_full_path())
        return TemplateResponse(
            request,
            "home/twofactor/setup.html",
            {"page_title": _("双因素认证"), "header_icon": "lock", "enrolled": True},
        )
    # One pending device per account; reloading the page keeps the same secret.
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        messages.success(request, _("双因素认证已启用，以后登录时需要输入动态验证码。"))
        return redirect(_safe_next(request) if request.GET.get("next") else "wagtailadmin_home")
    return TemplateResponse(
        request,
        "home/twofactor/setup.html",
        {
            "page_title": _("双因素认证"),
            "header_icon": "lock",
            "enrolled": False,
            "form": form,
            "qr_svg": _qr_svg(device),
            "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
            "next": request.GET.get("next", ""),
        },
        status=200 if request.method == "GET" else 400,
    )
