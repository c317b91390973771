"""The public newsletter pages: sign-up, confirmation, preference centre, unsubscribe.

Every page after sign-up is reached through a signed link from an email (``links``): no
account, no password. GET never changes anything (mail scanners fetch links); each change is
the POST of a one-button page.

Sign-up and unsubscribe take POSTs without a CSRF token. Neither acts for a logged-in browser:
a sign-up only asks for a confirmation email (the compact form sits on pages that are the same
for everyone, so they carry no token), and RFC 8058 has mail providers POST
``List-Unsubscribe=One-Click`` with no cookie at all; the token in the URL is the authority.
Confirmation and the preference centre keep Django's CSRF protection.
"""

from functools import wraps

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import links, subscribing, suppression
from .forms import PreferencesForm, SignupForm, consent_text
from .models import Reason, Status


def _notice(request, heading, paragraphs, *, link=None, role="status", status=200):
    link_url, link_text = link or ("", "")
    context = {
        "heading": heading,
        "paragraphs": paragraphs,
        "link_url": link_url,
        "link_text": link_text,
        "role": role,
    }
    return render(request, "newsletters/notice.html", context, status=status)


def _signup_done(request, email):
    return _notice(
        request,
        _("请查收确认邮件"),
        [
            _("我们已向 %(email)s 发送一封邮件。") % {"email": email},
            _("请打开邮件中的链接，在打开的页面上按“确认订阅”。7 天内没有确认的申请会自动删除。"),
            _("没有收到？请看看垃圾邮件文件夹，或者稍后重新提交。"),
        ],
        link=("/", _("返回首页")),
    )


def _unsubscribed(request, subscriber):
    return _notice(
        request,
        _("已退订"),
        [
            _("%(email)s 已退订，我们不会再给这个邮箱发送简报。") % {"email": subscriber.email},
            _("如果是误操作，可以重新订阅（需要再次确认）。"),
        ],
        link=(reverse("newsletters:signup"), _("重新订阅")),
    )


def signed(purpose):
    """The view gets the subscriber the link was signed for; an unknown, altered or revoked
    link gets a 404 page that says so."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, token):
            subscriber = links.read_token(token, purpose)
            if subscriber is None:
                return _notice(
                    request,
                    _("链接无效或已失效"),
                    [_("这个链接不完整、已被更换或对应的订阅已删除。请使用最近一封邮件中的链接。")],
                    link=(reverse("newsletters:signup"), _("前往订阅页")),
                    role="alert",
                    status=404,
                )
            return view(request, subscriber, token)

        return wrapped

    return decorate


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    if request.method != "POST":
        # The compact forms and audience / topic pages link here with choices already ticked.
        initial = {key: request.GET.getlist(key) for key in ("audiences", "topics", "regions")}
        if "email" in request.GET:
            initial["email"] = request.GET["email"][:254]
        form = SignupForm(initial=initial)
        return _signup_page(request, form)
    form = SignupForm(request.POST)
    if form.is_bot:
        # The honeypot: answer as if it worked, send nothing.
        return _signup_done(request, request.POST.get("email", "")[:254])
    if not form.is_valid():
        return _signup_page(request, form, status=400)
    data = form.cleaned_data
    try:
        subscribing.sign_up(data["email"], data, consent_text())
    except subscribing.RateLimited:
        return _notice(
            request,
            _("请稍后再试"),
            [
                _(
                    "这个邮箱近期已多次提交订阅申请。为防止打扰，请先查收已发出的确认邮件"
                    "（也请看看垃圾邮件文件夹），一小时后再重新提交。"
                )
            ],
            link=(reverse("newsletters:signup"), _("返回订阅页")),
            role="alert",
            status=429,
        )
    return _signup_done(request, data["email"])


def _signup_page(request, form, status=200):
    context = {"form": form, "consent_text": consent_text()}
    return render(request, "newsletters/signup.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@signed("confirm")
def confirm(request, subscriber, token):
    if subscriber.status == Status.CONFIRMED:
        return _confirmed_page(request, subscriber, just_now=False)
    if subscriber.status != Status.PENDING or subscribing.is_expired(subscriber):
        return _notice(
            request,
            _("确认链接已失效"),
            [_("订阅申请超过 7 天没有确认，或已经退订。如仍想订阅，请重新提交。")],
            link=(reverse("newsletters:signup"), _("重新订阅")),
            role="alert",
            status=410,
        )
    if request.method == "POST" and subscribing.confirm(subscriber):
        subscriber.refresh_from_db()
        return _confirmed_page(request, subscriber, just_now=True)
    return render(request, "newsletters/confirm.html", {"subscriber": subscriber})


def _confirmed_page(request, subscriber, just_now):
    context = {
        "subscriber": subscriber,
        "just_now": just_now,
        "preferences_url": links.preferences_url(subscriber),
    }
    return render(request, "newsletters/confirmed.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@signed("preferences")
def preferences(request, subscriber, token):
    if subscriber.status == Status.UNSUBSCRIBED:
        return _unsubscribed(request, subscriber)
    saved = False
    if request.method == "POST":
        form = PreferencesForm(request.POST, instance=subscriber)
        if form.is_valid():
            form.save()
            saved = True
    else:
        form = PreferencesForm(instance=subscriber)
    context = {
        "form": form,
        "subscriber": subscriber,
        "saved": saved,
        "token": token,
        "unsubscribe_url": links.unsubscribe_url(subscriber),
    }
    return render(
        request,
        "newsletters/preferences.html",
        context,
        status=400 if form.is_bound and not saved else 200,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@signed("preferences")
def erase(request, subscriber, token):
    """Erasure on request: a page with one button; its POST deletes the subscriber and keeps
    only the address's hash on the suppression list."""
    if request.method == "POST":
        suppression.erase(subscriber.email)
        return _notice(
            request,
            _("订阅信息已删除"),
            [_("您的订阅和偏好设置已删除，我们不会再给这个邮箱发送简报。")],
            link=("/", _("返回首页")),
        )
    return render(request, "newsletters/erase.html", {"subscriber": subscriber, "token": token})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@signed("unsubscribe")
def unsubscribe(request, subscriber, token):
    """RFC 8058: GET shows a page with one button; a POST of ``List-Unsubscribe=One-Click``
    (the mail provider's, or that button's) unsubscribes, with no cookie or CSRF token."""
    if request.method == "POST":
        if request.POST.get("List-Unsubscribe") != "One-Click":
            return render(
                request, "newsletters/unsubscribe.html", {"subscriber": subscriber}, status=400
            )
        suppression.suppress(subscriber.email, Reason.UNSUBSCRIBED)
        return _unsubscribed(request, subscriber)
    if subscriber.status == Status.UNSUBSCRIBED:
        return _unsubscribed(request, subscriber)
    return render(request, "newsletters/unsubscribe.html", {"subscriber": subscriber})
