"""WebSub: feeds advertise the hub, and publishing notifies it, retried after a failure."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import feedparser
import pytest

from tests.content.factories import ArticlePageFactory, publish

pytestmark = pytest.mark.django_db


class Hub:
    """A local hub: records each POST; answers the statuses queued in ``answers`` first."""

    def __init__(self):
        self.requests = []
        self.answers = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                hub.requests.append(
                    {"content_type": self.headers.get("Content-Type"), "form": parse_qs(body)}
                )
                status = hub.answers.pop(0) if hub.answers else 202
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub(settings):
    with Hub() as running:
        settings.WEBSUB_HUB_URL = running.url
        settings.WEBSUB_RETRY_DELAYS = (0, 0)
        settings.SITE_URL = "http://testserver"
        yield running


def test_feeds_advertise_the_hub_and_themselves(client, site_tree, hub):
    for kind in ("rss", "atom"):
        response = client.get(f"/feeds/{kind}/?audience=elderly")
        links = {link.rel: link.href for link in feedparser.parse(response.content).feed.links}
        assert links["hub"] == hub.url
        assert links["self"] == f"http://testserver/feeds/{kind}/?audience=elderly"
        assert f'<{hub.url}>; rel="hub"' in response["Link"]
        assert 'rel="self"' in response["Link"]
    feed = json.loads(client.get("/feeds/json/").content)
    assert feed["hubs"] == [{"type": "WebSub", "url": hub.url}]


def test_no_hub_no_advertisement(client, site_tree, settings):
    settings.WEBSUB_HUB_URL = ""
    response = client.get("/feeds/rss/")
    assert b'rel="hub"' not in response.content
    assert "Link" not in response
    assert "hubs" not in json.loads(client.get("/feeds/json/").content)


def test_publishing_notifies_the_hub_of_the_feeds_that_changed(
    site_tree, hub, django_capture_on_commit_callbacks
):
    page = ArticlePageFactory(live=False, audiences=["elderly"], topics=["防范电信诈骗"])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    [request] = hub.requests
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["form"]["hub.mode"] == ["publish"]
    topics = request["form"]["hub.url"]
    assert "http://testserver/feeds/rss/" in topics
    assert "http://testserver/feeds/json/?audience=elderly" in topics
    assert (
        "http://testserver/feeds/atom/?topic=%E9%98%B2%E8%8C%83%E7%94%B5%E4%BF%A1%E8%AF%88%E9%AA%97"
        in topics
    )
    assert "http://testserver/feeds/rss/?type=article" in topics
    assert "http://testserver/feeds/rss/?audience=youth" not in topics


def test_a_failed_notification_is_retried(site_tree, hub, django_capture_on_commit_callbacks):
    hub.answers = [500, 503]
    page = ArticlePageFactory(live=False)
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert len(hub.requests) == 3
    assert all(request["form"]["hub.mode"] == ["publish"] for request in hub.requests)


def test_unpublishing_notifies_too(site_tree, hub, django_capture_on_commit_callbacks):
    page = ArticlePageFactory()
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert len(hub.requests) == 1


def test_a_hub_that_stays_down_does_not_break_publishing(
    site_tree, hub, django_capture_on_commit_callbacks
):
    hub.answers = [500, 500, 500]
    page = ArticlePageFactory(live=False, title="照常发布")
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    page.refresh_from_db()
    assert page.live
    assert len(hub.requests) == 3
