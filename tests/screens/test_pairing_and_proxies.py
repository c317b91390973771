"""Pairing secrets stay out of URLs and logs; the pairing rate limit believes X-Forwarded-For only
from the proxies in FORWARDED_ALLOW_IPS."""

import ipaddress
import json
import logging

import pytest
from django.test import Client

from kepuqingcheng.settings import environment

pytestmark = pytest.mark.django_db

START = "/api/v1/screens/pairing"
POLL = "/api/v1/screens/pairing/poll"


def poll(client, secret):
    return client.post(POLL, json.dumps({"claim_secret": secret}), content_type="application/json")


def test_the_claim_secret_travels_in_the_body_and_never_reaches_a_log(
    make_screen, admin_client, caplog
):
    screen, _ = make_screen()
    client = Client()
    caplog.set_level(logging.DEBUG)
    started = client.post(START).json()
    code, secret = started["code"], started["claim_secret"]
    assert poll(client, secret).json() == {"status": "waiting"}
    admin_client.post("/admin/screens/claim/", {"code": code, "screen": screen.pk})
    assert poll(client, secret).json()["status"] == "claimed"
    assert poll(client, secret).status_code == 404  # consumed: logged as a 404, without it
    assert poll(client, secret + "x").status_code == 404

    # The old form, the secret in the path, opens nothing.
    old = client.get(f"{START}/{secret}", follow=True)
    assert old.status_code == 404
    assert "token" not in old.content.decode()
    caplog.clear()
    fresh = client.post(START).json()["claim_secret"]
    poll(client, fresh)
    poll(client, fresh + "x")

    logged = "\n".join(
        record.getMessage() + " " + repr(getattr(record, "request", ""))
        for record in caplog.records
    )
    assert "Not Found: /api/v1/screens/pairing/poll" in logged
    assert fresh not in logged and fresh[:16] not in logged


@pytest.mark.parametrize("body", ['{"claim_secret": "a\\u0000b"}', "{}", '{"claim_secret": 5}'])
def test_a_malformed_poll_is_400_json(site_tree, body):
    response = Client().post(POLL, body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def pairing_codes(client, count, **headers):
    return [client.post(START, **headers).status_code for _ in range(count)]


def test_forged_forwarded_for_does_not_escape_the_pairing_rate_limit(site_tree, settings):
    settings.FORWARDED_ALLOW_IPS = []  # the default: no proxy is trusted
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [
        client.post(START, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(25)
    ]
    assert codes[:20] == [201] * 20
    assert set(codes[20:]) == {429}
    # Even from loopback, which is not trusted unless configured.
    local = Client(REMOTE_ADDR="127.0.0.1")
    assert pairing_codes(local, 20, HTTP_X_FORWARDED_FOR="198.51.100.77") == [201] * 20
    assert local.post(START, HTTP_X_FORWARDED_FOR="198.51.100.78").status_code == 429


def test_behind_a_configured_proxy_each_client_has_its_own_limit(site_tree, settings):
    settings.FORWARDED_ALLOW_IPS = [ipaddress.ip_network("10.0.0.0/8")]
    proxy = Client(REMOTE_ADDR="10.1.2.3")
    # The proxy appends the address it saw; whatever the client wrote further left is ignored.
    first = pairing_codes(proxy, 21, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")
    assert first == [201] * 20 + [429]
    forged_left = proxy.post(START, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5")
    assert forged_left.status_code == 429
    assert proxy.post(START, HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 201
    # Two proxies in a row, both trusted: the first untrusted hop from the right is the client.
    chained = proxy.post(START, HTTP_X_FORWARDED_FOR="203.0.113.5, 10.9.9.9")
    assert chained.status_code == 429
    # A peer outside the list cannot choose its bucket with the header.
    outsider = Client(REMOTE_ADDR="192.0.2.1")
    assert pairing_codes(outsider, 21, HTTP_X_FORWARDED_FOR="203.0.113.7") == [201] * 20 + [429]
    assert proxy.post(START, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 201


def test_forwarded_allow_ips_is_read_and_checked_at_start_up(monkeypatch):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "127.0.0.1, 10.0.0.0/8,::1")
    assert [str(net) for net in environment.networks("FORWARDED_ALLOW_IPS")] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    ]
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "proxy.local")
    with pytest.raises(environment.SettingError, match="FORWARDED_ALLOW_IPS"):
        environment.networks("FORWARDED_ALLOW_IPS")
    monkeypatch.delenv("FORWARDED_ALLOW_IPS")
    assert environment.networks("FORWARDED_ALLOW_IPS") == []
