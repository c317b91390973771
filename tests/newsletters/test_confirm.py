"""Double opt-in: the emailed link opens a page with one button, and only its POST confirms,
so a mail scanner that fetches links subscribes no one. Unconfirmed sign-ups expire in 7 days."""

from datetime import timedelta

import pytest
from django.utils import timezone

from home import periodic
from newsletters import links, subscribing, suppression
from newsletters.models import Reason, Status, Subscriber

from .conftest import links_in, make_subscriber, path_of, signup_data

pytestmark = pytest.mark.usefixtures("taxonomy")


def signed_up(client, mail_server, capture, **data):
    with capture(execute=True):
        client.post("/newsletters/", signup_data(**data))
    (link,) = set(links_in(mail_server.wait_for(1)[-1]))
    return path_of(link)


def test_fetching_the_link_confirms_nothing_and_the_button_does(
    client, mail_server, django_capture_on_commit_callbacks
):
    path = signed_up(client, mail_server, django_capture_on_commit_callbacks)

    for method in (client.get, client.head, client.get):  # a scanner, a preview, the reader
        assert method(path).status_code == 200
    assert Subscriber.objects.get().status == Status.PENDING
    page = client.get(path).content.decode()
    assert page.count("<button") == 1 and "确认订阅" in page

    response = client.post(path)

    assert "订阅成功" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Status.CONFIRMED
    assert subscriber.confirmed_at == subscriber.consented_at is not None
    assert subscriber.consent_text in page  # the wording shown is the wording stored
    assert "已经确认过了" in client.post(path).content.decode()  # a second press is harmless


@pytest.mark.parametrize("purpose", ["preferences", "unsubscribe"])
def test_only_a_confirmation_token_confirms(client, purpose):
    subscriber = make_subscriber(status=Status.PENDING)
    token = links.make_token(subscriber, purpose)

    assert client.post(f"/newsletters/confirm/{token}/").status_code == 404
    assert client.post(f"/newsletters/confirm/{token[:-1]}0/").status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.status == Status.PENDING


def test_a_new_secret_revokes_every_link_sent(client):
    subscriber = make_subscriber(status=Status.PENDING)
    old = links.confirm_url(subscriber)
    subscriber.rotate_secret()
    subscriber.save()

    assert client.get(path_of(old)).status_code == 404
    assert client.get(path_of(links.confirm_url(subscriber))).status_code == 200


def test_an_unconfirmed_sign_up_expires_after_seven_days(client):
    subscriber = make_subscriber(status=Status.PENDING)
    Subscriber.objects.filter(pk=subscriber.pk).update(
        requested_at=timezone.now() - timedelta(days=7, minutes=1)
    )
    fresh = make_subscriber("fresh@example.cn", status=Status.PENDING)
    confirmed = make_subscriber("old@example.cn")
    Subscriber.objects.filter(pk=confirmed.pk).update(
        requested_at=timezone.now() - timedelta(days=30)
    )

    response = client.post(path_of(links.confirm_url(subscriber)))
    assert response.status_code == 410
    assert "确认链接已失效" in response.content.decode()

    job = periodic.registered_jobs()["expire_unconfirmed_subscribers"]
    assert job.function is subscribing.expire_unconfirmed and job.interval == 3600
    assert job.function() == "1 unconfirmed sign-up(s) expired"
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "fresh@example.cn",
        "old@example.cn",
    }
    assert fresh.pk and job.function() is None


def test_opting_in_anew_lifts_the_suppression_only_when_confirmed(
    client, mail_server, django_capture_on_commit_callbacks
):
    make_subscriber()
    suppression.suppress("reader@example.cn", Reason.UNSUBSCRIBED)

    path = signed_up(client, mail_server, django_capture_on_commit_callbacks, cadence="monthly")

    subscriber = Subscriber.objects.get()
    assert subscriber.status == Status.PENDING and subscriber.confirmed_at is None
    assert suppression.is_suppressed("reader@example.cn")
    client.post(path)
    assert not suppression.is_suppressed("reader@example.cn")
    subscriber.refresh_from_db()
    assert subscriber.status == Status.CONFIRMED and subscriber.cadence == "monthly"


def test_confirm_refuses_an_unsubscribed_subscriber():
    subscriber = make_subscriber(status=Status.UNSUBSCRIBED)

    assert subscribing.confirm(subscriber) is False
