"""Typed reads of environment variables.

Every setting that comes from the environment goes through these helpers so that a missing or
malformed value stops start-up with one line naming the variable, not a traceback from deep
inside Django (see ``kepuqingcheng.entrypoint``).
"""

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingError(ImproperlyConfigured):
    """A variable is missing or malformed; the message names it."""


def text(name, default=None, *, required=False):
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise SettingError(f"{name} must be set")
        return default
    return value


def boolean(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(f"{name} must be true or false (1/0, yes/no), not {raw!r}")


def integer(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"{name} must be a whole number, not {raw!r}") from None


def words(name, default=()):
    """A comma-separated list."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def numbers(name, default=()):
    """A comma-separated list of numbers (seconds, say)."""
    try:
        return [float(item) for item in words(name, default)]
    except ValueError:
        raise SettingError(f"{name} must be numbers separated by commas") from None


def networks(name, default=()):
    """Comma-separated IP addresses or CIDR networks; ``*`` means every address."""
    import ipaddress

    result = []
    for item in words(name, default):
        if item == "*":
            result += [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
            continue
        try:
            result.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingError(
                f"{name} must list IP addresses or networks (e.g. 127.0.0.1,10.0.0.0/8), "
                f"not {item!r}"
            ) from None
    return result


POOL_TIMEOUT = 5


def database(name, default):
    import dj_database_url

    url = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except (ValueError, KeyError) as error:
        raise SettingError(f"{name} is not a usable database URL: {error}") from None
    if not config.get("ENGINE"):
        raise SettingError(f"{name} names an unknown database scheme: {url.split(':')[0]}")
    engine = config["ENGINE"]
    if engine.endswith("postgresql"):
        options = config.setdefault("OPTIONS", {})
        # A stopped server must make /readyz answer 503 quickly instead of hanging.
        options.setdefault("connect_timeout", 3)
        # Under ASGI every request has a connection of its own, so persistent connections are
        # never reused there, and a thousand screens opening their streams at once asked the
        # server for a thousand connections ("too many clients"). A pool per process bounds
        # them and hands a finished request's connection to the next one; a request waits at
        # most POOL_TIMEOUT for one.
        config["CONN_MAX_AGE"] = 0
        options["pool"] = {
            "min_size": 1,
            "max_size": integer("DATABASE_POOL_SIZE", 20),
            "timeout": POOL_TIMEOUT,
        }
    elif engine.endswith("sqlite3"):
        # Connections are reused through a pool instead (kepuqingcheng/pooled_sqlite3).
        config["ENGINE"] = "kepuqingcheng.pooled_sqlite3"
        config["CONN_MAX_AGE"] = 0
        config.setdefault("OPTIONS", {}).update(
            {
                # WAL lets the site read while an import writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
    return config


TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}


def tasks_backend(name, default="database"):
    """The django-tasks backend: ``database`` (a queue in the database, run by
    ``manage.py db_worker``), ``immediate`` (in the enqueuing process), or the dotted path of
    another backend class, e.g. ``django_tasks_rq.RQBackend`` for a distributed queue."""
    value = os.environ.get(name) or default
    if value in TASK_BACKENDS:
        return {"BACKEND": TASK_BACKENDS[value]}
    if "." not in value:
        raise SettingError(
            f"{name} must be database, immediate or the dotted path of a backend, not {value!r}"
        )
    return {"BACKEND": value}


def cache(name):
    url = os.environ.get(name)
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    scheme = urlsplit(url).scheme
    if scheme not in {"redis", "rediss", "unix"}:
        raise SettingError(f"{name} must be a redis:// or rediss:// URL, not {url!r}")
    return {
        # Django's RedisCache with one pool per process, and Redis errors as cache misses.
        "BACKEND": "kepuqingcheng.cache.ResilientRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "kepu",
        # Short timeouts: an unreachable Redis must cost a request milliseconds, not seconds
        # (the backend then skips Redis for a moment, see kepuqingcheng/cache.py).
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
    }


def email(name):
    """Email settings from a URL: smtp://user:pass@host:587?tls=1, smtps://..., console://."""
    url = os.environ.get(name)
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    return email_settings(url, name)


def email_settings(url, name):
    """The settings of one email URL (``name`` is the variable it came from, for errors)."""
    parts = urlsplit(url)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in {"smtp", "smtps"}:
        raise SettingError(f"{name} must start with smtp://, smtps:// or console://")
    if not parts.hostname:
        raise SettingError(f"{name} has no host")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise SettingError(f"{name} has a bad port") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": options.get("tls", "").lower() in _TRUE,
        "EMAIL_TIMEOUT": 10,
    }
