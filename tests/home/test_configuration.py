"""Settings come from the environment, and bad values stop start-up with one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from kepuqingcheng.settings import environment as env

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **environ):
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.update(environ)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_malformed_boolean_is_one_line_naming_the_variable():
    result = run_manage("check", DEBUG="maybe")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "DEBUG" in result.stderr


def test_malformed_database_url_is_one_line_naming_the_variable():
    result = run_manage("check", DATABASE_URL="mongodb://nowhere/db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "DATABASE_URL" in result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = run_manage(
        "check", DJANGO_SETTINGS_MODULE="kepuqingcheng.settings.production", SECRET_KEY=""
    )
    assert result.returncode == 2
    assert "SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_deploy_check_has_no_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="kepuqingcheng.settings.production",
        SECRET_KEY="k" * 20 + "Qz8#nP1!vL6@rT3$wY5%uI7^oE9&aS2*dF4(gH0)jK",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mailer:s%40cret@mail.example.org:587?tls=1", ("mail.example.org", 587, True)),
        ("smtps://mail.example.org", ("mail.example.org", 465, False)),
    ],
)
def test_email_url_is_parsed(monkeypatch, url, expected):
    monkeypatch.setenv("EMAIL_URL", url)
    config = env.email("EMAIL_URL")
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"], config["EMAIL_USE_TLS"]) == expected
    if "mailer" in url:
        assert config["EMAIL_HOST_PASSWORD"] == "s@cret"


def test_bad_email_url_names_the_variable(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "ftp://mail")
    with pytest.raises(env.SettingError, match="EMAIL_URL"):
        env.email("EMAIL_URL")


def test_bad_integer_names_the_variable(monkeypatch):
    monkeypatch.setenv("SECURE_HSTS_SECONDS", "a year")
    with pytest.raises(env.SettingError, match="SECURE_HSTS_SECONDS"):
        env.integer("SECURE_HSTS_SECONDS", 0)


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


@pytest.mark.django_db
def test_database_is_the_one_database_url_names():
    """In the PostgreSQL CI pass this proves the suite really ran on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1


def test_postgresql_connections_come_from_a_bounded_pool_per_process(monkeypatch):
    monkeypatch.setenv("KEPU_TEST_DB", "postgres://kepu@db.example:5432/kepu")
    config = env.database("KEPU_TEST_DB", None)
    assert config["CONN_MAX_AGE"] == 0  # Django refuses persistent connections with a pool
    assert config["OPTIONS"]["pool"] == {
        "min_size": 1,
        "max_size": 20,
        "timeout": env.POOL_TIMEOUT,
    }
    monkeypatch.setenv("DATABASE_POOL_SIZE", "6")
    assert env.database("KEPU_TEST_DB", None)["OPTIONS"]["pool"]["max_size"] == 6
    monkeypatch.setenv("DATABASE_POOL_SIZE", "many")
    with pytest.raises(env.SettingError, match="DATABASE_POOL_SIZE"):
        env.database("KEPU_TEST_DB", None)


@pytest.mark.django_db
def test_in_the_postgresql_pass_the_suite_itself_runs_on_the_pool():
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL pass checks this")
    connection.ensure_connection()
    assert connection.pool is not None and connection.pool.max_size >= 1


def test_cache_is_the_one_redis_url_names():
    """In the Redis CI pass this proves the cache really is the Redis server."""
    cache = caches["default"]
    backend = type(cache).__name__
    if os.environ.get("REDIS_URL"):
        assert backend == "ResilientRedisCache"
        client = cache._cache.get_client(write=True)
        assert client.ping() is True
    else:
        assert backend == "LocMemCache"
    cache.set("configuration-test", "值", timeout=10)
    assert cache.get("configuration-test") == "值"
