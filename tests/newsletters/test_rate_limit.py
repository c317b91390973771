"""The per-address rate limit lives in the database, so every process serving the site shares
it: a few sign-up requests per address per window, then 429 and no more email."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from newsletters import subscribing
from newsletters.models import SignupAttempt, Subscriber
from tests.content.test_shared_generation import manage_in_another_process

from .conftest import signup_data

CHECK = """
from newsletters import subscribing
try:
    subscribing.check_rate("Reader@example.cn")
    print("allowed")
except subscribing.RateLimited:
    print("limited")
"""


def check_rate_in_another_process():
    """One sign-up request counted by another process (its limit is the default, 3)."""
    return manage_in_another_process("shell", "-c", CHECK).stdout.strip().splitlines()[-1]


@pytest.mark.usefixtures("taxonomy")
def test_a_fourth_request_within_the_hour_is_refused_and_mails_nothing(
    client, mail_server, django_capture_on_commit_callbacks, settings
):
    settings.NEWSLETTERS_SIGNUP_LIMIT = 3
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post("/newsletters/", signup_data()).status_code for _ in range(4)]
        other = client.post("/newsletters/", signup_data(email="other@example.cn"))

    assert answers == [200, 200, 200, 429]
    assert "请稍后再试" in client.post("/newsletters/", signup_data()).content.decode()
    assert other.status_code == 200
    mail_server.wait_for(4)
    assert len(mail_server.to("reader@example.cn")) == 3

    SignupAttempt.objects.update(created_at=timezone.now() - timedelta(hours=1, seconds=1))
    assert client.post("/newsletters/", signup_data()).status_code == 200


@pytest.mark.usefixtures("taxonomy")
def test_the_limit_holds_across_processes(transactional_db, client, settings):
    settings.NEWSLETTERS_SIGNUP_LIMIT = 3
    assert client.post("/newsletters/", signup_data()).status_code == 200
    assert client.post("/newsletters/", signup_data()).status_code == 200

    assert check_rate_in_another_process() == "allowed"  # the third, counted in the database

    assert client.post("/newsletters/", signup_data()).status_code == 429
    assert check_rate_in_another_process() == "limited"
    assert Subscriber.objects.count() == 1


def test_old_attempts_are_pruned_by_the_expiry_job(db):
    from newsletters.subscribing import expire_unconfirmed

    SignupAttempt.objects.create(email_hash="a" * 64)
    stale = SignupAttempt.objects.create(email_hash="b" * 64)
    SignupAttempt.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(days=1, seconds=1)
    )

    expire_unconfirmed()

    assert list(SignupAttempt.objects.values_list("email_hash", flat=True)) == ["a" * 64]


def test_concurrent_requests_never_pass_more_than_the_limit(transactional_db, settings):
    settings.NEWSLETTERS_SIGNUP_LIMIT = 3
    start = threading.Barrier(8)

    def request(_number):
        start.wait()
        try:
            subscribing.check_rate("reader@example.cn")
            return True
        except subscribing.RateLimited:
            return False
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        allowed = sum(pool.map(request, range(8)))

    # Each request is counted (committed) before it is judged, so a race can only refuse more,
    # never allow more: a burst may be refused whole, and sending is never over the limit.
    assert allowed <= 3
    assert SignupAttempt.objects.count() == 8
