"""Digests: what each subscriber receives is the new, reviewed, public content matching their
preferences; nothing new means no email; one mailing per distinct content set; never twice."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from newsletters import digests
from newsletters.ledger import Delivery, DigestRun, Mailing
from newsletters.rendering import Prepared
from tests.content.factories import ArticlePageFactory

from .ledger import subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(site_tree, taxonomy):
    hours_ago = lambda hours: timezone.now() - datetime.timedelta(hours=hours)  # noqa: E731
    return {
        "elderly": ArticlePageFactory(
            title="老年人防诈骗", audiences=["elderly"], first_published_at=hours_ago(5)
        ),
        "youth_xincheng": ArticlePageFactory(
            title="新城区青少年编程", audiences=["youth"], regions=["150102"],
            first_published_at=hours_ago(4),
        ),
        "topic": ArticlePageFactory(
            title="沙尘天气防护", topics=["气象科普"], first_published_at=hours_ago(3)
        ),
        "unreviewed": ArticlePageFactory(
            title="未经审核", reviewed_by="", audiences=["elderly"], first_published_at=hours_ago(2)
        ),
        "draft": ArticlePageFactory(
            title="草稿", live=False, audiences=["elderly"], first_published_at=hours_ago(2)
        ),
        "old": ArticlePageFactory(
            title="上个月的文章", audiences=["elderly"], first_published_at=hours_ago(24 * 40)
        ),
    }  # fmt: skip


TITLES = ("老年人防诈骗", "新城区青少年编程", "沙尘天气防护", "未经审核", "草稿", "上个月的文章")


def titles(received):
    text = received.message.get_body(("plain",)).get_content()
    return {title for title in TITLES if title in text}


def test_each_subscriber_gets_the_new_reviewed_content_matching_them(content, mail_server):
    subscriber("elderly@example.cn", audiences=["elderly"])
    subscriber("city-youth@example.cn", audiences=["youth"], regions=["150100"])
    subscriber("weather@example.cn", topics=["气象科普"])
    subscriber("everything@example.cn")
    subscriber("monthly@example.cn", cadence="monthly")

    call_command("send_digests", "--cadence", "weekly", "--wait")

    mail_server.wait_for(4)
    got = {m.recipients[0]: titles(m) for m in mail_server.messages}
    assert got == {
        "elderly@example.cn": {"老年人防诈骗"},
        # a city subscriber gets its districts' content, as the site's region filter does
        "city-youth@example.cn": {"新城区青少年编程"},
        "weather@example.cn": {"沙尘天气防护"},
        "everything@example.cn": {"老年人防诈骗", "新城区青少年编程", "沙尘天气防护"},
    }


def test_nothing_new_sends_nothing(content, mail_server):
    person = subscriber("farmer@example.cn", audiences=["farmers"])

    result = digests.plan("weekly")

    assert result.skipped_empty == 1 and result.deliveries == 0
    assert Mailing.objects.count() == 0
    person.refresh_from_db()
    assert person.last_digest_at is None


def test_only_content_since_the_last_digest(content, mail_server):
    subscriber(
        "reader@example.cn",
        audiences=["elderly"],
        last_digest_at=timezone.now() - datetime.timedelta(days=7),
    )
    subscriber("newcomer@example.cn", confirmed_at=timezone.now() - datetime.timedelta(hours=3.5))

    call_command("send_digests", "--cadence", "weekly", "--wait")

    got = {m.recipients[0]: titles(m) for m in mail_server.wait_for(2)}
    assert got == {"reader@example.cn": {"老年人防诈骗"}, "newcomer@example.cn": {"沙尘天气防护"}}


def test_one_mailing_per_content_set_and_never_twice(content, mail_server):
    for n in range(3):
        subscriber(f"elderly{n}@example.cn", audiences=["elderly"])
    subscriber("also-elderly@example.cn", audiences=["elderly", "farmers"])
    subscriber("weather@example.cn", topics=["气象科普"])

    first = digests.plan("weekly")
    again = digests.plan("weekly")

    assert len(first.mailings) == 2 and first.deliveries == 5
    assert Mailing.objects.count() == 2
    assert again.deliveries == 0 and again.subscribers == 0
    assert Delivery.objects.count() == 5


def test_digest_email_is_html_and_text_with_absolute_links(content, mail_server, settings):
    settings.SITE_URL = "https://kepu.example.cn"
    subscriber("elderly@example.cn", audiences=["elderly"])

    call_command("send_digests", "--cadence", "weekly", "--wait")

    (received,) = mail_server.wait_for(1)
    # sent as the mailing's bytes prepared once (newsletters.rendering.Prepared)
    assert Prepared(Mailing.objects.get()).usable
    message = received.message
    assert message["Subject"].startswith("科普青城每周简报")
    html = message.get_body(("html",)).get_content()
    assert 'href="https://kepu.example.cn/' in html
    assert 'href="/' not in html and 'src="/' not in html
    assert "max-width:600px" in html and "@media" in html
    assert "<style>" in html and 'class="item-title" style=' in html  # inlined
    assert settings.NEWSLETTERS_POSTAL_ADDRESS in html
    assert settings.NEWSLETTERS_POSTAL_ADDRESS in message.get_body(("plain",)).get_content()


def test_schedule_plans_each_period_once(content, mail_server, settings):
    settings.NEWSLETTERS_WEEKLY_AT = "mon 08:00"
    subscriber("elderly@example.cn", audiences=["elderly"])
    monday = timezone.make_aware(datetime.datetime(2026, 12, 7, 8, 30))  # Asia/Shanghai

    period, moment = digests.last_scheduled("weekly", monday)
    assert (period, moment.hour, moment.weekday()) == ("2026-W50", 8, 0)
    sunday = monday - datetime.timedelta(days=1)
    assert digests.last_scheduled("weekly", sunday)[0] == "2026-W49"
    assert digests.last_scheduled("monthly", monday)[0] == "2026-12"

    assert "weekly 2026-W50" in digests.run_scheduled(monday)
    assert digests.run_scheduled(monday + datetime.timedelta(hours=1)) is None
    assert DigestRun.objects.filter(cadence="weekly").count() == 1
