"""The embedded default: one machine, no services. `make run` uses these settings."""

from django.core.management.utils import get_random_secret_key

from .base import *  # noqa: F403
from .base import SECRET_KEY

# `make run` writes a generated key to .env; a bare `manage.py` call without it still works,
# with sessions that do not survive a restart.
SECRET_KEY = SECRET_KEY or get_random_secret_key()
