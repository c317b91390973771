"""At most SCREENS_EVENTS_MAX_STREAMS (3) open event streams per screen token: real concurrent
streams under ASGI (including a client that goes away) and WSGI, and across processes when
Redis holds the slots."""

import asyncio
import contextlib
import os
import subprocess
import sys
import textwrap
import time

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.core import signals
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections
from django.test import AsyncClient, Client
from django.test import client as test_client

from screens import streams
from tests.screens.test_push_events import EVENTS, ticket_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_streams(settings):
    settings.SCREENS_EVENTS_KEEPALIVE_SECONDS = 0.3
    settings.SCREENS_EVENTS_MAX_SECONDS = 30
    streams._local.clear()
    yield
    streams._local.clear()


def assert_too_many(response):
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "too many streams"
    assert "3 个推送连接" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_a_fourth_stream_is_429_until_one_closes_asgi(screen_and_token, make_screen):
    screen, token = screen_and_token
    _other, other_token = make_screen(name="新华广场屏")
    ticket, other_ticket = ticket_for(token), ticket_for(other_token)

    async def finish(response, iterator=None):
        # As Django's ASGI handler ends a response: close the iterator, then the response.
        if iterator is not None:
            await iterator.aclose()
        await asyncio.to_thread(response.close)

    async def run():
        client = AsyncClient()
        held = []
        for _ in range(3):
            response = await client.get(EVENTS, {"ticket": ticket})
            assert response.status_code == 200
            iterator = aiter(response.streaming_content)
            assert b"event: ready" in await anext(iterator)
            held.append((response, iterator))
        refused = await client.get(EVENTS, {"ticket": ticket})
        bearer = await client.get(EVENTS, headers={"Authorization": f"Bearer {token}"})
        other = await client.get(EVENTS, {"ticket": other_ticket})  # another screen: its own 3
        await finish(other)
        # Keep-alives pass on the held streams; they keep their slots.
        for _response, iterator in held:
            assert await asyncio.wait_for(anext(iterator), 3) == b": keep-alive\n\n"
        await finish(*held.pop())
        again = await client.get(EVENTS, {"ticket": ticket})
        await finish(again)
        for pair in held:
            await finish(*pair)
        return refused, bearer, other.status_code, again.status_code

    refused, bearer, other_ok, again_ok = async_to_sync(run)()
    assert_too_many(refused)
    assert_too_many(bearer)
    assert other_ok == 200
    assert again_ok == 200
    time.sleep(0.1)
    assert streams.count(screen.pk) == 0


class Connection:
    """One HTTP connection to the ASGI application, which the client can drop."""

    def __init__(self, query):
        self.query = query
        self.sent = asyncio.Queue()
        self.gone = asyncio.Event()
        self.task = None

    async def receive(self):
        if not hasattr(self, "_asked"):
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message):
        await self.sent.put(message)

    def open(self, application):
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": EVENTS,
            "raw_path": EVENTS.encode(),
            "query_string": self.query.encode(),
            "root_path": "",
            "headers": [(b"host", b"testserver")],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        # handle() is __call__ without its per-request thread, so the view's database work
        # stays on the test's connection and transaction (as with Django's AsyncClient).
        self.task = asyncio.create_task(application.handle(scope, self.receive, self.send))
        return self

    async def status(self):
        start = await asyncio.wait_for(self.sent.get(), 5)
        return start["status"]

    async def body(self):
        message = await asyncio.wait_for(self.sent.get(), 5)
        return message.get("body", b"")


@contextlib.contextmanager
def keep_test_connection():
    """A request's start and end must not close the test's connection (and with it the test's
    transaction). Django's test clients take care of this while they serve a request, but a
    streamed response closed later fires request_finished with the closer connected again."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    original = test_client.close_old_connections
    test_client.close_old_connections = _keep
    try:
        yield
    finally:
        test_client.close_old_connections = original
        signals.request_finished.disconnect(_keep)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _keep(**kwargs):
    pass


def test_a_client_that_goes_away_gives_its_slot_back(screen_and_token):
    screen, token = screen_and_token
    query = f"ticket={ticket_for(token)}"

    async def run():
        application = ASGIHandler()
        connections = [Connection(query).open(application) for _ in range(3)]
        for connection in connections:
            assert await connection.status() == 200
            assert b"event: ready" in await connection.body()
        refused = Connection(query).open(application)
        first = await refused.status()
        await refused.task
        connections[0].gone.set()  # the client hangs up
        await asyncio.wait_for(connections[0].task, 5)
        for _ in range(50):
            if streams.count(screen.pk) < 3:
                break
            await asyncio.sleep(0.05)
        retried = Connection(query).open(application)
        second = await retried.status()
        for connection in [*connections[1:], retried]:
            connection.gone.set()
            await asyncio.wait_for(connection.task, 5)
        return first, second

    with keep_test_connection():
        first, second = async_to_sync(run)()
    assert (first, second) == (429, 200)
    time.sleep(0.1)
    assert streams.count(screen.pk) == 0


def test_blocking_streams_are_limited_and_released_on_close_wsgi(screen_and_token):
    screen, token = screen_and_token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    held = [client.get(EVENTS) for _ in range(3)]
    assert [response.status_code for response in held] == [200] * 3
    assert b"event: ready" in next(iter(held[0].streaming_content))
    assert_too_many(client.get(EVENTS))
    with keep_test_connection():
        held[0].close()  # read from
        held[1].close()  # never read: closing the response gives the slot back too
    assert [client.get(EVENTS).status_code for _ in range(2)] == [200, 200]
    assert_too_many(client.get(EVENTS))


def test_the_limit_is_configurable(screen_and_token, settings):
    settings.SCREENS_EVENTS_MAX_STREAMS = 1
    _screen, token = screen_and_token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    first = client.get(EVENTS)
    assert first.status_code == 200
    assert client.get(EVENTS).status_code == 429
    with keep_test_connection():
        first.close()
    assert client.get(EVENTS).status_code == 200


HOLDER = textwrap.dedent(
    """
    import os, sys, time
    import django
    os.environ["DJANGO_SETTINGS_MODULE"] = "kepuqingcheng.settings.test"
    django.setup()
    from django.conf import settings
    settings.SCREENS_EVENTS_SLOT_LEASE_SECONDS = 2
    from screens import streams
    slots = [streams.acquire(int(sys.argv[1])) for _ in range(int(sys.argv[2]))]
    print(" ".join("ok" if slot else "refused" for slot in slots), flush=True)
    # Killed (or gone) without giving the slots back: they must lapse with their lease.
    os._exit(0)
    """
)


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="slots are shared through Redis")
def test_the_limit_holds_across_worker_processes_with_redis(screen_and_token):
    # This worker's lease is the default (30 s); the other worker's, 2 s.
    screen, token = screen_and_token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    mine = client.get(EVENTS)
    assert mine.status_code == 200
    other_worker = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", HOLDER, str(screen.pk), "3"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "REDIS_URL": django_settings.REDIS_URL},
        check=True,
    )
    assert other_worker.stdout.split() == ["ok", "ok", "refused"]
    assert streams.count(screen.pk) == 3
    assert client.get(EVENTS).status_code == 429
    with keep_test_connection():
        mine.close()
    time.sleep(2.5)  # the other worker's slots lapse with their lease
    assert streams.count(screen.pk) == 0
    assert client.get(EVENTS).status_code == 200


def test_a_live_stream_renews_its_slot_and_a_stalled_one_lapses(screen_and_token, settings):
    settings.SCREENS_EVENTS_SLOT_LEASE_SECONDS = 1
    screen, token = screen_and_token
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(EVENTS)
    frames = iter(response.streaming_content)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        next(frames)  # keep-alives every 0.3 s renew the 1 s lease
    assert streams.count(screen.pk) == 1
    time.sleep(1.2)  # nothing read: the lease lapses
    assert streams.count(screen.pk) == 0
    with keep_test_connection():
        response.close()
