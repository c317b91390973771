"""Settings shared by every environment, read once from environment variables.

A ``.env`` file in the project root is read first if present; real environment variables win.
Every variable is listed in the README.
"""

import datetime
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

from search.backends.elasticsearch import search_backends

from . import environment as env

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

load_dotenv(BASE_DIR / ".env", override=False)

SECRET_KEY = env.text("SECRET_KEY")
DEBUG = env.boolean("DEBUG", False)
ALLOWED_HOSTS = env.words("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# Proxies whose X-Forwarded-For is believed (kepuqingcheng.proxies); none unless configured.
FORWARDED_ALLOW_IPS = env.networks("FORWARDED_ALLOW_IPS")
CSRF_TRUSTED_ORIGINS = env.words("CSRF_TRUSTED_ORIGINS")
SITE_URL = env.text("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "home",
    "content",
    "feeds",
    "search",
    "screens",
    # After screens: an alert's after-commit push goes out before the manifest announcements.
    "alerts",
    # Reads content and listens to alerts; nothing imports it.
    "newsletters",
    "wagtailmedia",
    "wagtail.contrib.table_block",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "taggit",
    # The database queue of background tasks (TASKS); `manage.py run_tasks` is its worker.
    "django_tasks_db",
    # Only for its templates and static files: /api/v1/docs then loads Swagger UI from this
    # site instead of a CDN (blocked by the CSP and unreachable on a closed network).
    "ninja",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kepuqingcheng.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Unchanged feeds answer 304 here, before sessions and the rest (see feeds/middleware.py).
    "feeds.middleware.ConditionalFeedMiddleware",
    # Unchanged screen manifest polls likewise (see screens/middleware.py).
    "screens.middleware.ConditionalManifestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "home.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # The Wagtail Site from the cache, not the database (see home/middleware.py).
    "home.middleware.CachedSiteMiddleware",
    # A refused science-review approval answers with its reason (see content/middleware.py).
    "content.middleware.ReviewRefusalMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kepuqingcheng.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "home.context_processors.reading_mode",
                # The emergency banner on every public page (lazy: no query unless shown).
                "alerts.context_processors.alert_banner",
                # The compact newsletter sign-up form on the home, audience and topic pages.
                "newsletters.context_processors.newsletter_signup",
            ],
        },
    },
]

WSGI_APPLICATION = "kepuqingcheng.wsgi.application"
ASGI_APPLICATION = "kepuqingcheng.asgi.application"

DATABASES = {"default": env.database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("REDIS_URL")}
REDIS_URL = env.text("REDIS_URL")
# Concurrent cache misses on one key wait for one render (content.singleflight); off only to
# measure the difference (bench/feeds.py).
CACHE_STAMPEDE_LOCK = env.boolean("CACHE_STAMPEDE_LOCK", True)
# Open event streams one screen may hold at once (screens.streams).
SCREENS_EVENTS_MAX_STREAMS = env.integer("SCREENS_EVENTS_MAX_STREAMS", 3)

# Emergency alerts (alerts/): who our CAP messages say they are from, and the CAP sources polled.
CAP_SENDER = env.text("CAP_SENDER", "kepu@huhhot.gov.cn")
CAP_SENDER_NAME = env.text("CAP_SENDER_NAME", "呼和浩特市科普青城平台")
CAP_IDENTIFIER_PREFIX = env.text("CAP_IDENTIFIER_PREFIX", "kepuqingcheng")
CAP_SOURCES = env.text("CAP_SOURCES", "")

AUTH_USER_MODEL = "home.User"
AUTHENTICATION_BACKENDS = [
    "home.auth.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Admin login lockout (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one account,
# or from one address, that account or address is refused for LOGIN_LOCKOUT_MINUTES. Unlock:
# `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS` / `axes_reset` (see README).
AXES_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.integer("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "home.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "home.auth.lockout_response"
# Two-factor sign-in (TOTP) for the admin; with this on, every admin account must enrol.
ADMIN_REQUIRE_2FA = env.boolean("ADMIN_REQUIRE_2FA", False)
OTP_TOTP_ISSUER = "科普青城"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env.text("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Off in production, where uploads live in object storage behind a CDN.
SERVE_MEDIA = env.boolean("SERVE_MEDIA", True)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "kepuqingcheng.staticfiles.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

globals().update(env.email("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "科普青城 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers that are right everywhere; production.py adds the HTTPS-only ones.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# The public site loads nothing from other hosts (the platform must work on a closed network),
# so the policy can be 'self' only. Wagtail's admin relies on inline styles and scripts, so it is
# left to its own defaults rather than given a policy that would break the editor.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per background task run drowns out everything else.
        "django_tasks": {"level": "WARNING"},
    },
}

# Wagtail
WAGTAIL_SITE_NAME = "科普青城"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAIL_I18N_ENABLED = False
# The admin must work on a closed network: no release check, no Gravatar avatars (initials).
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILIMAGES_IMAGE_MODEL = "home.CustomImage"
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "vtt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# Documents are only ever served by Wagtail's view, which checks collection privacy (never a
# direct link to the file, whatever the storage); /media/documents/ is not served at all.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Video captions are served through the documents view and loaded by <track>: browsers only
# accept text/vtt (not every system's mimetypes table knows .vtt), and inline, not as a download.
WAGTAILDOCS_CONTENT_TYPES = {"vtt": "text/vtt"}
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf", "text/vtt"]
# Ours (the database backend with Chinese analysis) unless a search cluster is configured.
try:
    WAGTAILSEARCH_BACKENDS = search_backends(
        env.text("SEARCH_URL"),
        engine=env.text("SEARCH_ENGINE", "elasticsearch9"),
        analyzer=env.text("SEARCH_ANALYZER", "cjk"),
    )
except ValueError as error:
    raise env.SettingError(str(error)) from None
WAGTAIL_PASSWORD_RESET_ENABLED = True
# Publishing at the end of the science-review workflow also writes the review record.
WAGTAIL_FINISH_WORKFLOW_ACTION = "content.workflows.publish_reviewed"
WAGTAILMEDIA = {"MEDIA_MODEL": "wagtailmedia.Media"}

# A query appears in the public "大家在搜" list only once searched this many times in a week.
POPULAR_SEARCH_MIN_COUNT = env.integer("POPULAR_SEARCH_MIN_COUNT", 5)

# Background tasks (newsletter delivery, WebSub notifications): a queue in the database that
# `manage.py run_tasks` works through (`make run` starts it); see README "Background work".
TASKS = {"default": env.tasks_backend("TASKS_BACKEND")}
# How often `manage.py run_worker` publishes scheduled pages and unpublishes expired ones.
PUBLISH_SCHEDULED_SECONDS = env.integer("PUBLISH_SCHEDULED_SECONDS", 30)
# Feeds advertise this WebSub hub and notify it when content is published or withdrawn.
WEBSUB_HUB_URL = env.text("WEBSUB_HUB_URL", "")

READING_MODE_COOKIE = "kepu_reading"
READING_MODES = {"standard": _("标准"), "large": _("大字号高对比")}

# Newsletters (sign-up side; see README "Newsletters").
# At most this many sign-up requests (each sends one email) per address per window.
NEWSLETTERS_SIGNUP_LIMIT = env.integer("NEWSLETTERS_SIGNUP_LIMIT", 3)
NEWSLETTERS_SIGNUP_WINDOW_SECONDS = env.integer("NEWSLETTERS_SIGNUP_WINDOW_SECONDS", 3600)
# How often `run_worker` deletes sign-ups left unconfirmed for 7 days.
NEWSLETTERS_EXPIRE_SECONDS = env.integer("NEWSLETTERS_EXPIRE_SECONDS", 3600)
# The postal address line in every email's footer.
NEWSLETTERS_POSTAL_ADDRESS = env.text(
    "NEWSLETTERS_POSTAL_ADDRESS", "内蒙古自治区呼和浩特市 呼和浩特市科学技术协会"
)
# The mailbox of List-Unsubscribe's mailto: half; its mail is read by
# `manage.py unsubscribe_from_mail`. Empty: the HTTPS link only.
NEWSLETTERS_UNSUBSCRIBE_MAILTO = env.text("NEWSLETTERS_UNSUBSCRIBE_MAILTO", "")

# Newsletter sending (newsletters/sending.py, digests.py; README "Newsletters: sending").
NEWSLETTERS_LIST_NAME = _("科普青城 · 科普简报")
# Delays before the 2nd, 3rd, … attempt after a temporary (4xx) SMTP failure; then "failed".
NEWSLETTERS_RETRY_SECONDS = env.numbers("NEWSLETTERS_RETRY_SECONDS", ("60", "300", "1800", "7200"))
NEWSLETTERS_BATCH_SIZE = env.integer("NEWSLETTERS_BATCH_SIZE", 100)
NEWSLETTERS_CLAIM_SECONDS = env.integer("NEWSLETTERS_CLAIM_SECONDS", 120)
NEWSLETTERS_DIGEST_MAX_ITEMS = env.integer("NEWSLETTERS_DIGEST_MAX_ITEMS", 20)
# When the periodic job plans digests, in TIME_ZONE: weekday and time, day of month and time.
NEWSLETTERS_WEEKLY_AT = env.text("NEWSLETTERS_WEEKLY_AT", "mon 08:00")
NEWSLETTERS_MONTHLY_AT = env.text("NEWSLETTERS_MONTHLY_AT", "1 08:00")
