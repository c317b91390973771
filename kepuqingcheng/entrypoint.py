"""Start-up guard shared by manage.py, ASGI and WSGI.

A missing or malformed environment variable should read as one line naming it, which is what an
operator needs; a traceback through Django's settings loader hides that line.
"""

import os
import sys

DEFAULT_SETTINGS = "kepuqingcheng.settings.dev"


def configure():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)


def exit_on_setting_error(error):
    print(f"配置错误 (configuration error): {error}", file=sys.stderr)  # noqa: T201
    sys.exit(2)


def load_settings():
    """Import settings now, so a bad variable stops the process here with one line."""
    from django.conf import settings

    from kepuqingcheng.settings.environment import SettingError

    try:
        settings.INSTALLED_APPS  # noqa: B018 - touching a setting imports the module
    except SettingError as error:
        exit_on_setting_error(error)
