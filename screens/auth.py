"""Screen tokens: long random bearer secrets stored only as SHA-256 hashes.

A token is 256 random bits, so a fast hash is enough (nothing to brute-force) and lets the hash be
the lookup key. The cache maps ``screens:token:<hash>`` to ``(screen_id, config_version)`` so the
manifest poll can authenticate without the database; revoking or disabling deletes the entry,
and a miss falls back to the database.
"""

import hashlib
import hmac
import secrets

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

TOKEN_PREFIX = "kps_"  # noqa: S105 - a public prefix that makes leaked tokens greppable
TOKEN_CACHE_TIMEOUT = 7 * 24 * 3600


def new_token():
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(raw_token):
    return hashlib.sha256(raw_token.encode("utf-8", "surrogatepass")).hexdigest()


def token_cache_key(token_hash):
    return f"screens:token:{token_hash}"


def remember(screen):
    """Put (or refresh) the cache entry for a screen's current token."""
    if screen.token_hash and screen.enabled:
        cache.set(
            token_cache_key(screen.token_hash),
            (screen.pk, screen.config_version),
            TOKEN_CACHE_TIMEOUT,
        )


def remember_many(screens):
    """``remember`` for many screens in one cache round trip (a bump of a thousand screens)."""
    entries = {
        token_cache_key(screen.token_hash): (screen.pk, screen.config_version)
        for screen in screens
        if screen.token_hash and screen.enabled
    }
    if entries:
        cache.set_many(entries, TOKEN_CACHE_TIMEOUT)


def forget_many(token_hashes):
    keys = [token_cache_key(token_hash) for token_hash in token_hashes if token_hash]
    if keys:
        cache.delete_many(keys)


def forget(token_hash):
    if token_hash:
        cache.delete(token_cache_key(token_hash))


def valid_shape(raw_token):
    return (
        isinstance(raw_token, str)
        and raw_token.startswith(TOKEN_PREFIX)
        and 20 <= len(raw_token) <= 100
    )


def lookup_token(raw_token):
    """(screen_id, config_version) for a valid token, or None. No query when cached."""
    if not valid_shape(raw_token):
        return None
    digest = hash_token(raw_token)
    entry = cache.get(token_cache_key(digest))
    if entry is not None:
        return tuple(entry)
    screen = authenticate_token(raw_token)
    if screen is None:
        return None
    return screen.pk, screen.config_version


def authenticate_token(raw_token):
    """The enabled screen holding this token, or None for unknown, revoked or disabled tokens."""
    from .models import Screen

    if not valid_shape(raw_token):
        return None
    digest = hash_token(raw_token)
    screen = Screen.objects.filter(token_hash=digest, enabled=True).first()
    if screen is None or not hmac.compare_digest(screen.token_hash, digest):
        return None
    remember(screen)
    return screen


def issue_token(screen):
    """Give the screen a new token (the old one stops working) and return it, once."""
    from .models import Screen

    raw = new_token()
    old_hash = screen.token_hash
    screen.token_hash = hash_token(raw)
    screen.token_issued_at = timezone.now()
    Screen.objects.filter(pk=screen.pk).update(
        token_hash=screen.token_hash, token_issued_at=screen.token_issued_at
    )
    # Saves may have bumped the version since this instance was loaded.
    screen.config_version = (
        Screen.objects.filter(pk=screen.pk).values_list("config_version", flat=True).first()
    )
    forget(old_hash)
    transaction.on_commit(lambda: forget(old_hash))
    remember(screen)
    return raw


def revoke_token(screen):
    from .models import Screen

    old_hash = screen.token_hash
    screen.token_hash = ""
    screen.token_issued_at = None
    Screen.objects.filter(pk=screen.pk).update(token_hash="", token_issued_at=None)
    forget(old_hash)
    transaction.on_commit(lambda: forget(old_hash))
