"""The emergency lane: an Actual alert issued for a region emails the subscribers who chose
应急预警 for a region it touches, once; its cancel emails them once more; exercises do not."""

import pytest

from alerts import issuing
from alerts.models import Status
from newsletters.alerting import announce_alert
from newsletters.ledger import Mailing
from tests.alerts.factories import issue, make_alert, make_person

from .ledger import subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(taxonomy):
    return {
        "district": subscriber("xincheng@example.cn", emergency=True, regions=["150102"]),
        "city": subscriber("city@example.cn", emergency=True, regions=["150100"]),
        "anywhere": subscriber("anywhere@example.cn", emergency=True),
        "elsewhere": subscriber("wuchuan@example.cn", emergency=True, regions=["150125"]),
        "no_alerts": subscriber("quiet@example.cn", regions=["150102"]),
    }


@pytest.fixture
def officers(db):
    return make_person("drafter", last_name="王", first_name="芳"), make_person(
        "confirmer", last_name="张", first_name="伟"
    )


def recipients(mail_server, subject_part):
    return {m.recipients[0] for m in mail_server.messages if subject_part in m.message["Subject"]}


def test_issued_and_cancelled_alert_reach_subscribers_of_touched_regions(
    people, officers, mail_server, django_capture_on_commit_callbacks
):
    drafter, confirmer = officers
    alert = make_alert(areas=("150102",), headline="新城区发布大风蓝色预警")

    with django_capture_on_commit_callbacks(execute=True):
        issue(alert, drafter, confirmer)

    told = {"xincheng@example.cn", "city@example.cn", "anywhere@example.cn"}
    mail_server.wait_for(3)
    assert recipients(mail_server, "新城区发布大风蓝色预警") == told
    (message, *_) = mail_server.to("xincheng@example.cn")
    assert message.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert alert.get_full_url() in message.message.get_body(("plain",)).get_content()

    with django_capture_on_commit_callbacks(execute=True):
        issuing.cancel(alert, confirmer, "大风已减弱")

    mail_server.wait_for(6)
    assert recipients(mail_server, "【解除】") == told
    assert len(mail_server.messages) == 6


def test_an_announcement_is_planned_once(
    people, officers, mail_server, django_capture_on_commit_callbacks
):
    drafter, confirmer = officers
    alert = issue(make_alert(areas=("150102",)), drafter, confirmer)  # callbacks not run

    with django_capture_on_commit_callbacks(execute=True):
        announce_alert.call(alert.pk, "issued")
        announce_alert.call(alert.pk, "issued")

    assert Mailing.objects.filter(kind="alert").count() == 1
    mail_server.wait_for(3)
    assert len(mail_server.messages) == 3


def test_exercises_are_not_emailed(
    people, officers, mail_server, django_capture_on_commit_callbacks
):
    drafter, confirmer = officers
    alert = make_alert(areas=("150100",), status=Status.EXERCISE)

    with django_capture_on_commit_callbacks(execute=True):
        issue(alert, drafter, confirmer)

    assert Mailing.objects.count() == 0
    assert mail_server.messages == []
