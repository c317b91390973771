"""The sender against a real SMTP server: each delivery sent once over reused connections,
4xx retried after the configured delays, 5xx a bounce that suppresses the address, and the
RFC 8058 headers on every message."""

import email
import time
from email import policy

import pytest
from django.utils import timezone

from newsletters import links, sending
from newsletters.ledger import Delivery
from newsletters.rendering import Prepared, message_for
from newsletters.suppression import is_suppressed, suppress
from tests.servers import free_port

from .ledger import queue, statuses, subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.NEWSLETTERS_RETRY_SECONDS = [0.3, 0.3]
    settings.NEWSLETTERS_BATCH_SIZE = 50


def test_a_batch_goes_out_over_one_connection_each_row_once(mail_server):
    people = [subscriber(f"reader{n}@example.cn") for n in range(5)]
    mailing = queue(*people)

    assert sending.send_batch() == {"sent": 5}
    assert sending.send_batch() == {}

    received = mail_server.wait_for(5)
    assert sorted(m.recipients[0] for m in received) == sorted(p.email for p in people)
    assert len({m.connection for m in received}) == 1
    rows = Delivery.objects.filter(mailing=mailing)
    assert {row.status for row in rows} == {"sent"}
    assert {row.attempts for row in rows} == {1}
    assert {row.message_id for row in rows} == {m.message["Message-ID"] for m in received}


def test_every_message_carries_one_click_unsubscribe(mail_server, settings):
    settings.NEWSLETTERS_UNSUBSCRIBE_MAILTO = "unsubscribe@example.cn"
    person = subscriber("reader@example.cn")
    queue(person, subject="科普简报 · 第1期")

    sending.send_batch()

    (received,) = mail_server.wait_for(1)
    message = received.message
    assert message["Subject"] == "科普简报 · 第1期"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
    assert https == links.unsubscribe_url(person) and https.startswith("http")
    assert mailto.startswith("mailto:unsubscribe@example.cn?")
    # the placeholder became the recipient's own link in both parts
    assert links.unsubscribe_url(person) in message.get_body(("plain",)).get_content()
    assert links.unsubscribe_url(person) in message.get_body(("html",)).get_content()


def test_temporary_refusal_is_retried_after_the_delay(mail_server):
    busy, fine = subscriber("busy@example.cn"), subscriber("fine@example.cn")
    mail_server.refuse("busy@example.cn", code=451, times=1)
    mailing = queue(busy, fine)

    assert sending.send_batch() == {"queued": 1, "sent": 1}
    row = Delivery.objects.get(subscriber=busy)
    assert row.status == "queued" and row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert sending.send_batch() == {}  # not before its time

    time.sleep(0.35)
    assert sending.send_batch() == {"sent": 1}
    assert statuses(mailing) == {"busy@example.cn": "sent", "fine@example.cn": "sent"}
    assert Delivery.objects.get(subscriber=busy).attempts == 2
    assert len(mail_server.to("busy@example.cn")) == 1


def test_temporary_refusals_past_the_last_delay_fail(mail_server):
    person = subscriber("busy@example.cn")
    mail_server.refuse("busy@example.cn", code=421)
    mailing = queue(person)

    for _attempt in range(3):
        sending.send_batch()
        time.sleep(0.35)

    assert statuses(mailing) == {"busy@example.cn": "failed"}
    assert Delivery.objects.get(subscriber=person).attempts == 3
    assert not is_suppressed("busy@example.cn")


def test_permanent_refusal_bounces_and_suppresses(mail_server):
    gone, fine = subscriber("gone@example.cn"), subscriber("fine@example.cn")
    mail_server.refuse("gone@example.cn", code=550)
    first = queue(gone, fine)

    assert sending.send_batch() == {"bounced": 1, "sent": 1}

    assert statuses(first)["gone@example.cn"] == "bounced"
    assert is_suppressed("gone@example.cn")
    gone.refresh_from_db()
    assert gone.status == "unsubscribed"
    # never mailed again: a later mailing skips the address without asking the server
    mail_server.reset()
    second = queue(gone)
    assert sending.send_batch() == {"suppressed": 1}
    assert statuses(second) == {"gone@example.cn": "suppressed"}
    assert mail_server.refused == []


def test_permanent_refusal_after_the_data_also_bounces(mail_server):
    person = subscriber("full@example.cn")
    mail_server.refuse("full@example.cn", code=552, stage="data")
    mailing = queue(person)

    sending.send_batch()

    assert statuses(mailing) == {"full@example.cn": "bounced"}
    assert is_suppressed("full@example.cn")


def test_address_suppressed_after_queueing_is_not_sent(mail_server):
    person = subscriber("left@example.cn")
    mailing = queue(person)
    suppress("left@example.cn", "unsubscribed")

    assert sending.send_batch() == {"suppressed": 1}
    assert statuses(mailing) == {"left@example.cn": "suppressed"}
    assert mail_server.messages == []


def test_a_claimed_row_is_not_claimed_again_until_its_claim_lapses(mail_server, settings):
    person = subscriber("reader@example.cn")
    queue(person)

    first = sending.claim(10, owner="worker-a")
    assert len(first) == 1
    assert sending.claim(10, owner="worker-b") == []

    settings.NEWSLETTERS_CLAIM_SECONDS = 0
    Delivery.objects.update(claimed_until=timezone.now() - timezone.timedelta(seconds=1))
    assert sending.claim(10, owner="worker-b") == first


def test_alerts_go_before_digests(mail_server, settings):
    settings.NEWSLETTERS_BATCH_SIZE = 1
    person = subscriber("reader@example.cn")
    queue(person, subject="简报", priority=50)
    queue(person, subject="预警", priority=10)

    sending.send_batch()

    (first,) = mail_server.wait_for(1)
    assert first.message["Subject"] == "预警"


def test_lost_connection_is_retried(mail_server, settings):
    person = subscriber("reader@example.cn")
    mailing = queue(person)
    settings.EMAIL_PORT = free_port()  # nothing listens there

    assert sending.send_batch() == {"queued": 1}
    row = Delivery.objects.get(mailing=mailing)
    assert row.status == "queued" and "Connection" in row.last_error


def test_prepared_bytes_are_the_message_built_in_full(settings):
    """SMTP sends a mailing's bytes built once with the recipient's parts put in; the console
    and memory backends get the message built in full. Both say the same."""
    settings.NEWSLETTERS_UNSUBSCRIBE_MAILTO = "unsubscribe@example.cn"
    person = subscriber("reader@example.cn")
    mailing = queue(person, subject="科普简报 · 第2期")
    row = Delivery.objects.get(mailing=mailing)

    prepared = Prepared(mailing)
    assert prepared.usable
    fast = email.message_from_bytes(prepared.bytes_for(row, person), policy=policy.default)
    full = email.message_from_bytes(
        message_for(row, mailing, person).message().as_bytes(linesep="\r\n"), policy=policy.default
    )

    for header in ("From", "To", "Subject", "Message-ID", "List-Unsubscribe", "List-Id"):
        assert fast[header].strip() == full[header].strip(), header
    assert fast["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for kind in ("plain", "html"):
        assert fast.get_body((kind,)).get_content() == full.get_body((kind,)).get_content()
    assert links.unsubscribe_url(person) in fast.get_body(("html",)).get_content()
