"""The preference centre: reached by the signed link in every email, no account or password."""

import pytest

from content.filters import ContentFilter
from newsletters import links
from newsletters.models import Status

from .conftest import make_subscriber, path_of

pytestmark = pytest.mark.usefixtures("taxonomy")


def test_the_link_shows_and_changes_the_preferences(client, settings):
    settings.SITE_URL = "https://kepu.example.cn"
    subscriber = make_subscriber(audiences=["elderly"], regions=["150105"])
    url = links.preferences_url(subscriber)
    assert url.startswith("https://kepu.example.cn/newsletters/preferences/")

    page = client.get(path_of(url)).content.decode()
    assert "reader@example.cn" in page
    assert 'value="elderly" id="id_audiences_3" checked' in page

    response = client.post(
        path_of(url),
        {"topics": ["防范电信诈骗", "健康生活"], "regions": ["150100"], "cadence": "monthly"},
    )

    assert "已保存" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.cadence == "monthly" and not subscriber.emergency
    assert subscriber.content_filter() == ContentFilter(
        topics=("健康生活", "防范电信诈骗"), regions=("150100",)
    )
    assert subscriber.status == Status.CONFIRMED


def test_a_bad_choice_saves_nothing(client):
    subscriber = make_subscriber(cadence="weekly")

    response = client.post(
        path_of(links.preferences_url(subscriber)), {"cadence": "daily", "regions": ["999999"]}
    )

    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.cadence == "weekly"


def test_the_content_filter_is_the_sites_own():
    subscriber = make_subscriber(audiences=["youth", "elderly"], topics=["科学精神"])

    content_filter = subscriber.content_filter()

    assert isinstance(content_filter, ContentFilter)
    assert content_filter == ContentFilter(audiences=("elderly", "youth"), topics=("科学精神",))
    assert make_subscriber("all@example.cn").content_filter().active is False  # empty = all


def test_an_unsigned_or_foreign_link_opens_nothing(client):
    subscriber = make_subscriber()
    other = make_subscriber("other@example.cn")
    forged = f"{other.pk}.{links.make_token(subscriber, 'preferences').split('.')[1]}"

    response = client.get(f"/newsletters/preferences/{forged}/")
    assert response.status_code == 404
    assert "链接无效或已失效" in response.content.decode()
    assert client.get(f"/newsletters/preferences/{other.pk}/").status_code == 404
    unsubscribe_token = links.make_token(subscriber, "unsubscribe")
    assert client.get(f"/newsletters/preferences/{unsubscribe_token}/").status_code == 404
