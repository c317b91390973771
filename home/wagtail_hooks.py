from django.urls import path, reverse
from django.utils.translation import gettext as _
from wagtail import hooks

from . import twofactor


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return [
        path("two-factor/", twofactor.setup, name="two_factor_setup"),
        path("two-factor/verify/", twofactor.verify, name="two_factor_verify"),
    ]


@hooks.register("register_account_menu_item")
def register_two_factor_menu_item(request):
    return {
        "url": reverse("two_factor_setup"),
        "label": _("双因素认证"),
        "help_text": _("登录时除密码外还需输入手机身份验证器应用中的 6 位动态验证码。"),
    }
