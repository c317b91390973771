"""The test suite: the embedded default unless DATABASE_URL / REDIS_URL point at real servers."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-not-used-anywhere-else-0123456789abcdef"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Mail stays in memory unless EMAIL_URL names a server: the suite's own SMTP server
# (tests/mailserver.py) for the processes a test starts.
if not os.environ.get("EMAIL_URL"):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]

# Uploaded files from tests go to a throw-away folder, never the developer's media/.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="kepu-test-media-"))

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file rather than memory: tests that run a second process (an import, a shell) against
    # the live server's database must share it (tests/content/test_shared_generation.py).
    _folder = Path(tempfile.mkdtemp(prefix="kepu-test-db-"))
    DATABASES["default"]["TEST"] = {"NAME": str(_folder / "test.sqlite3")}  # noqa: F405

# Tests pin the query counts of cached paths; the once-a-second read of the shared content
# generation is pinned by its own tests (tests/content/test_shared_generation.py), which set 1 s.
CONTENT_GENERATION_CHECK_SECONDS = 3600

# Likewise the per-process memo of active alerts behind the banner (alerts.active): pinned
# query counts of pages must not depend on how long a test takes; the tests of the banner set
# the real two seconds where they measure it (tests/alerts/test_site.py).
ALERTS_CHECK_SECONDS = 3600

# Background tasks run in the process that enqueues them, unless a test run names a backend
# (the newsletter worker tests start real `db_worker` processes with TASKS_BACKEND=database).
if not os.environ.get("TASKS_BACKEND"):
    TASKS = {"default": env.tasks_backend("TASKS_BACKEND", "immediate")}  # noqa: F405
