"""Admin sign-in: lockout after repeated wrong passwords, and TOTP two-factor (point 15 of
issue 12). Everything goes through Wagtail's real login view, as a browser would."""

import time

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"  # noqa: S105


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("chief", "", PASSWORD)


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor2", "", PASSWORD)


def login(client, username, password, address="203.0.113.5", **headers):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **headers,
    )


def is_signed_in(client):
    return client.get("/admin/").status_code == 200


def clear_throttle(device):
    """django-otp delays the next try after a wrong code (1 s, doubling); the tests do not wait."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def code_for(device, offset=0):
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{code:06d}"


def test_forty_wrong_passwords_lock_the_account_out(client, admin_user):
    started = time.monotonic()
    statuses = [login(client, "chief", f"guess-{n}").status_code for n in range(40)]
    assert time.monotonic() - started < 60
    # The form again with an error, then the fifth failure locks the account.
    assert statuses[:4] == [200] * 4
    assert set(statuses[4:]) == {429}
    response = login(client, "chief", PASSWORD)
    assert response.status_code == 429
    assert "登录已暂停" in response.content.decode()
    assert "15 分钟" in response.content.decode()
    assert not is_signed_in(client)


def test_an_account_is_locked_whatever_address_the_guesses_come_from(client, admin_user):
    for n in range(5):
        login(client, "chief", "wrong", address=f"198.51.100.{n + 1}")
    assert login(client, "chief", PASSWORD, address="192.0.2.77").status_code == 429
    assert not is_signed_in(client)


def test_an_address_is_locked_whatever_accounts_it_guesses(client, admin_user, editor):
    for n in range(5):
        login(client, f"someone{n}", "wrong", address="198.51.100.9")
    assert login(client, "editor2", PASSWORD, address="198.51.100.9").status_code == 429
    # The account itself is not locked: from another address it signs in.
    assert login(client, "editor2", PASSWORD, address="192.0.2.8").status_code == 302
    assert is_signed_in(client)


def test_a_forged_forwarded_header_does_not_escape_the_address_lockout(client, admin_user, editor):
    for n in range(5):
        login(client, f"x{n}", "wrong", address="198.51.100.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = login(
        client, "editor2", PASSWORD, address="198.51.100.9", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert response.status_code == 429


def test_an_admin_unlocks_an_account(client, admin_user):
    for _ in range(6):
        login(client, "chief", "wrong")
    assert login(client, "chief", PASSWORD).status_code == 429
    call_command("axes_reset_username", "chief", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("axes_reset_ip", "203.0.113.5", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert login(client, "chief", PASSWORD).status_code == 302
    assert is_signed_in(client)


def enrol(client):
    page = client.get("/admin/two-factor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "双因素认证" in html
    device = TOTPDevice.objects.get(confirmed=False)
    assert device.key  # the secret shown matches the stored key
    import base64

    assert base64.b32encode(device.bin_key).decode().rstrip("=") in html
    wrong = client.post("/admin/two-factor/", {"otp_token": "000000"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    clear_throttle(device)
    assert client.post("/admin/two-factor/", {"otp_token": code_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_an_admin_enrols_totp_and_then_needs_the_code_to_sign_in(client, admin_user):
    assert login(client, "chief", PASSWORD).status_code == 302
    assert "/admin/two-factor/" in client.get("/admin/account/").content.decode()
    device = enrol(client)
    assert is_signed_in(client)
    client.post("/admin/logout/")

    # Password right, code still owed: the admin answers only the second step.
    assert login(client, "chief", PASSWORD).status_code == 302
    for url in ["/admin/", "/admin/pages/", "/admin/users/", "/admin/two-factor/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/two-factor/verify/")
    step = client.get("/admin/two-factor/verify/?next=/admin/pages/")
    assert step.status_code == 200 and "输入动态验证码" in step.content.decode()
    wrong = client.post("/admin/two-factor/verify/", {"otp_token": "123456", "next": "/admin/"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    assert not is_signed_in(client)
    clear_throttle(device)
    # A code is good once: the one used to enrol (this 30 s step) is spent, so the next step's
    # code, which the device still accepts (tolerance 1), signs in.
    assert (
        client.post("/admin/two-factor/verify/", {"otp_token": code_for(device)}).status_code == 400
    )
    clear_throttle(device)
    response = client.post(
        "/admin/two-factor/verify/",
        {"otp_token": code_for(device, offset=1), "next": "/admin/pages/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/pages/"
    assert is_signed_in(client)


def test_the_second_step_refuses_an_offsite_next_and_repeated_guesses(client, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="TOTP", confirmed=True)
    login(client, "chief", PASSWORD)
    for _ in range(3):
        client.post("/admin/two-factor/verify/", {"otp_token": "000000"})
    throttled = client.post("/admin/two-factor/verify/", {"otp_token": code_for(device)})
    assert throttled.status_code == 400
    assert "错误次数过多" in throttled.content.decode()
    assert not is_signed_in(client)
    clear_throttle(device)
    response = client.post(
        "/admin/two-factor/verify/",
        {"otp_token": code_for(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/admin/"


def test_a_password_alone_opens_no_page_restricted_to_logged_in_users(
    client, site_tree, admin_user
):
    from wagtail.models import PageViewRestriction

    from tests.content import factories

    page = factories.ArticlePageFactory(title="内部通知")
    PageViewRestriction.objects.create(page=page, restriction_type="login")
    TOTPDevice.objects.create(user=admin_user, name="TOTP", confirmed=True)
    login(client, "chief", PASSWORD)
    response = client.get(page.url)
    assert response.status_code == 302 and "/_util/login/" in response["Location"]


@override_settings(ADMIN_REQUIRE_2FA=True)
def test_when_required_every_admin_enrols_before_using_the_admin(client, admin_user):
    assert login(client, "chief", PASSWORD).status_code == 302
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/two-factor/?next=")
    enrol(client)
    assert is_signed_in(client)


def test_an_admin_resets_a_lost_device(client, admin_user):
    TOTPDevice.objects.create(user=admin_user, name="TOTP", confirmed=True)
    call_command("reset_two_factor", "chief", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert login(client, "chief", PASSWORD).status_code == 302
    assert is_signed_in(client)
