"""Pairing: an unpaired player shows a short code; an editor claims it for a screen; the player,
polling with its claim secret, then receives the screen's token exactly once."""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import auth
from .models import Pairing

# No I/1/L, O/0: a code is read off a screen across a square and typed by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
PAIRING_MINUTES = 30


class PairingError(Exception):
    pass


def normalise_code(code):
    return "".join((code or "").split()).upper()


def start_pairing(now=None):
    """(pairing, claim_secret): a fresh code, valid for PAIRING_MINUTES."""
    now = now or timezone.now()
    Pairing.objects.filter(expires_at__lt=now).delete()
    for _attempt in range(10):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        secret = secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                pairing = Pairing.objects.create(
                    code=code,
                    secret_hash=auth.hash_token(secret),
                    expires_at=now + datetime.timedelta(minutes=PAIRING_MINUTES),
                )
        except IntegrityError:
            continue  # the code is showing on another player right now
        return pairing, secret
    raise PairingError(_("暂时无法生成配对码，请稍后再试。"))


def claim(code, screen, user=None, now=None):
    """Attach a waiting pairing to the screen; PairingError says why not."""
    now = now or timezone.now()
    code = normalise_code(code)
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        raise PairingError(_("配对码应为 6 位字母或数字。"))
    with transaction.atomic():
        pairing = Pairing.objects.select_for_update().filter(code=code).first()
        if pairing is None or pairing.expires_at <= now:
            raise PairingError(_("配对码不存在或已过期，请在电子屏上刷新后重试。"))
        if pairing.screen_id:
            raise PairingError(_("这个配对码已被认领。"))
        pairing.screen = screen
        pairing.claimed_at = now
        pairing.claimed_by = getattr(user, "get_username", lambda: "")()
        pairing.save(update_fields=["screen", "claimed_at", "claimed_by"])
    return pairing


def poll(claim_secret, now=None):
    """{"status": "waiting"} | {"status": "claimed", "token": ...} | None (unknown or expired).

    The token is handed out once: the pairing is consumed in the same transaction.
    """
    now = now or timezone.now()
    if not claim_secret or len(claim_secret) > 100:
        return None
    digest = auth.hash_token(claim_secret)
    with transaction.atomic():
        # No select_related: PostgreSQL cannot lock the nullable side of an outer join.
        pairing = Pairing.objects.select_for_update().filter(secret_hash=digest).first()
        if pairing is None or pairing.expires_at <= now:
            return None
        if pairing.screen is None:
            return {"status": "waiting"}
        token = auth.issue_token(pairing.screen)
        pairing.delete()
    return {"status": "claimed", "token": token}
