"""Sign-up: the page and the compact forms, the confirmation email through a real SMTP server,
the honeypot, and one row per address whatever its case."""

import re

import pytest
from django.test import Client

from newsletters.forms import CONSENT_TEXT
from newsletters.models import Status, Subscriber

from .conftest import links_in, make_subscriber, path_of, signup_data

pytestmark = pytest.mark.usefixtures("taxonomy")


def test_signup_page_offers_every_choice_in_chinese(client):
    page = client.get("/newsletters/").content.decode()

    for text in ("电子邮箱", "受众", "主题", "地区", "全市", "赛罕区", "每周", "每月", "应急预警"):
        assert text in page
    assert str(CONSENT_TEXT) in page
    assert 'name="website"' in page  # the honeypot


def test_signup_sends_a_confirmation_email_and_subscribes_no_one_yet(
    client, mail_server, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://kepu.example.cn"
    data = signup_data(
        email=" Reader@Example.CN ",
        audiences=["elderly", "farmers"],
        topics=["防范电信诈骗"],
        regions=["150105"],
        cadence="monthly",
        emergency="on",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/newsletters/", data)

    assert response.status_code == 200
    assert "请查收确认邮件" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "reader@example.cn"
    assert subscriber.status == Status.PENDING
    assert subscriber.confirmed_at is None and subscriber.consented_at is None
    assert subscriber.consent_text == str(CONSENT_TEXT)
    assert subscriber.cadence == "monthly" and subscriber.emergency
    assert sorted(a.slug for a in subscriber.audiences.all()) == ["elderly", "farmers"]
    assert [r.code for r in subscriber.regions.all()] == ["150105"]

    (received,) = mail_server.wait_for(1)
    assert received.recipients == ["reader@example.cn"]
    assert received.message["Subject"] == "请确认订阅科普青城简报"
    assert received.message.is_multipart()
    html = received.message.get_body(preferencelist=("html",)).get_content()
    (link,) = set(links_in(received))
    assert link.startswith("https://kepu.example.cn/newsletters/confirm/")
    assert link in html
    assert settings.NEWSLETTERS_POSTAL_ADDRESS in html
    assert "max-width:600px" in html and "<style" not in html  # inline styles, phone width
    assert "List-Unsubscribe" not in received.message  # not bulk mail: one requested message


def test_the_compact_form_posts_without_a_csrf_token():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/newsletters/", signup_data(audiences=["youth"]))

    assert response.status_code == 200
    assert Subscriber.objects.get().audiences.get().slug == "youth"


def test_the_honeypot_answers_as_usual_and_sends_nothing(
    client, mail_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/newsletters/", signup_data(website="http://spam.example"))

    assert response.status_code == 200
    assert "请查收确认邮件" in response.content.decode()
    assert not Subscriber.objects.exists()
    assert mail_server.messages == []


def test_an_invalid_address_is_refused_with_the_form_again(client):
    response = client.post(
        "/newsletters/", signup_data(email="not-an-address", topics=["健康生活"])
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "请填写有效的电子邮箱地址" in page
    assert 'aria-invalid="true"' in page
    assert re.search(r'name="topics" value="健康生活"[^>]* checked', page)  # choices kept
    assert not Subscriber.objects.exists()


def test_one_row_per_address_whatever_its_case(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/newsletters/", signup_data(email="Reader@example.cn", cadence="weekly"))
        client.post("/newsletters/", signup_data(email="READER@EXAMPLE.CN", cadence="monthly"))

    subscriber = Subscriber.objects.get()
    assert subscriber.cadence == "monthly"  # still pending: the newer request counts


def test_signing_up_again_when_confirmed_changes_nothing_and_mails_the_preference_link(
    client, mail_server, django_capture_on_commit_callbacks
):
    subscriber = make_subscriber(audiences=["elderly"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/newsletters/", signup_data(audiences=["youth"], cadence="monthly"))

    assert "请查收确认邮件" in response.content.decode()  # the same answer: nothing revealed
    subscriber.refresh_from_db()
    assert subscriber.status == Status.CONFIRMED and subscriber.cadence == "weekly"
    assert [a.slug for a in subscriber.audiences.all()] == ["elderly"]
    (received,) = mail_server.wait_for(1)
    assert received.message["Subject"] == "您已订阅科普青城简报"
    (link,) = set(links_in(received))
    assert "/newsletters/preferences/" in link
    assert client.get(path_of(link)).status_code == 200


@pytest.mark.parametrize(
    ("path", "preset"),
    [("/", None), ("/for/elderly/", "audiences"), ("/topics/健康生活/", "topics")],
)
def test_home_audience_and_topic_pages_carry_the_compact_form(client, site_tree, path, preset):
    page = client.get(path).content.decode()

    assert 'class="newsletter-compact"' in page
    assert 'action="/newsletters/"' in page
    assert "newsletters.css" in page
    if preset == "audiences":
        assert 'name="audiences" value="elderly" checked' in page
    elif preset == "topics":
        assert 'name="topics" value="健康生活" checked' in page
    else:
        assert 'name="audiences"' not in page
    assert "csrfmiddlewaretoken" not in page


def test_every_public_page_links_the_sign_up_page_in_its_footer(client):
    page = client.get("/search/").content.decode()

    footer = page[page.index('<footer class="site-footer">') :]
    assert '<a href="/newsletters/">订阅科普简报</a>' in footer
