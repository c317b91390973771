"""RFC 8058 one-click unsubscribe, the suppression list and erasure to a hash."""

import hashlib

import pytest
from django.core.management import call_command
from django.test import Client

from newsletters import links, suppression
from newsletters.models import Reason, Status, Subscriber, Suppression

from .conftest import make_subscriber, path_of

pytestmark = pytest.mark.usefixtures("taxonomy")


def test_get_only_shows_a_page_with_one_button(client):
    subscriber = make_subscriber()
    path = path_of(links.unsubscribe_url(subscriber))

    page = client.get(path).content.decode()

    assert page.count("<button") == 1 and "确认退订" in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page
    subscriber.refresh_from_db()
    assert subscriber.status == Status.CONFIRMED
    assert not suppression.is_suppressed(subscriber.email)


def test_one_click_post_unsubscribes_without_cookie_or_csrf_token():
    subscriber = make_subscriber()
    client = Client(enforce_csrf_checks=True)  # as a mail provider: no cookie, no token

    response = client.post(
        path_of(links.unsubscribe_url(subscriber)),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "已退订" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Status.UNSUBSCRIBED
    assert suppression.is_suppressed("READER@example.cn ")
    assert Suppression.objects.get().reason == Reason.UNSUBSCRIBED


def test_a_post_without_the_one_click_field_changes_nothing(client):
    subscriber = make_subscriber()

    response = client.post(path_of(links.unsubscribe_url(subscriber)), {"other": "1"})

    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == Status.CONFIRMED


def test_the_mailto_half_unsubscribes_through_the_command(tmp_path, settings):
    subscriber = make_subscriber()
    assert links.unsubscribe_mailto(subscriber) is None  # no mailbox configured: HTTPS only
    settings.NEWSLETTERS_UNSUBSCRIBE_MAILTO = "unsubscribe@kepu.example.cn"
    mailto = links.unsubscribe_mailto(subscriber)
    assert mailto.startswith("mailto:unsubscribe@kepu.example.cn?subject=unsubscribe%20")
    token = links.make_token(subscriber, "unsubscribe")
    maildir = tmp_path / "Maildir"
    (maildir / "new").mkdir(parents=True)
    (maildir / "cur").mkdir()
    (maildir / "new" / "1").write_bytes(
        f"From: reader@example.cn\nSubject: unsubscribe {token}\n\n".encode()
    )
    (maildir / "cur" / "2").write_bytes(b"Subject: unsubscribe 1.forged\n\nhello\n")

    call_command("unsubscribe_from_mail", str(maildir))

    subscriber.refresh_from_db()
    assert subscriber.status == Status.UNSUBSCRIBED
    assert suppression.is_suppressed(subscriber.email)


def test_suppression_keeps_the_newest_reason_and_is_idempotent():
    make_subscriber()

    suppression.suppress("reader@example.cn", Reason.BOUNCED)
    suppression.suppress("Reader@Example.cn", Reason.COMPLAINED)

    entry = Suppression.objects.get()
    assert entry.reason == Reason.COMPLAINED and entry.email == "reader@example.cn"
    assert entry.email_hash == hashlib.sha256(b"reader@example.cn").hexdigest()
    assert Subscriber.objects.get().status == Status.UNSUBSCRIBED
    assert not suppression.is_suppressed("someone@example.cn")


def test_erasure_from_the_preference_centre_keeps_only_the_hash(client):
    subscriber = make_subscriber(audiences=["elderly"])
    suppression.suppress(subscriber.email, Reason.BOUNCED)
    token = links.make_token(subscriber, "preferences")

    page = client.get(f"/newsletters/preferences/{token}/erase/")
    assert page.status_code == 200 and Subscriber.objects.exists()  # GET erases nothing

    response = client.post(f"/newsletters/preferences/{token}/erase/")

    assert "订阅信息已删除" in response.content.decode()
    assert not Subscriber.objects.exists()
    entry = Suppression.objects.get()
    assert (entry.email, entry.reason) == ("", Reason.ERASED)
    assert suppression.is_suppressed("reader@example.cn")
    assert "reader@example.cn" not in str(list(Suppression.objects.values()))


def test_erasure_on_request_by_command():
    make_subscriber("a@example.cn")
    make_subscriber("b@example.cn")

    call_command("erase_subscriber", "A@example.cn")

    assert list(Subscriber.objects.values_list("email", flat=True)) == ["b@example.cn"]
    assert Suppression.objects.get().email == ""
    assert suppression.is_suppressed("a@example.cn")
