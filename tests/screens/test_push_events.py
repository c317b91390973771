"""GET /api/v1/screens/events: who may open it, what a screen hears on it, and that under ASGI an
idle stream holds no thread."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from django.core import signing
from django.core.cache import cache
from django.test import AsyncClient, Client

from screens import auth, events, versions
from screens.signals import screen_command

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/screens/events"
TICKET = "/api/v1/screens/events/ticket"


@pytest.fixture(autouse=True)
def quick_streams(settings):
    settings.SCREENS_EVENTS_KEEPALIVE_SECONDS = 0.3
    settings.SCREENS_EVENTS_MAX_SECONDS = 5


def ticket_for(token):
    response = Client().post(TICKET, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["expires_in"] == 60
    return response.json()["ticket"]


def test_the_stream_refuses_requests_without_a_valid_token_or_ticket(screen_and_token, client):
    screen, token = screen_and_token
    assert client.get(EVENTS).status_code == 401
    assert (
        client.get(EVENTS, HTTP_AUTHORIZATION="Bearer kps_not-a-real-token-000000").status_code
        == 401
    )
    assert client.get(EVENTS, {"ticket": "forged"}).status_code == 401
    forged = signing.dumps({"s": screen.pk, "h": "0" * 12}, salt="not-the-ticket-salt")
    assert client.get(EVENTS, {"ticket": forged}).status_code == 401
    refused = client.get(EVENTS)
    assert refused["Content-Type"] == "application/json"
    assert "token" in refused.json()["detail"]
    assert client.post(TICKET).status_code == 401
    assert client.post(EVENTS).status_code == 405


def test_an_expired_ticket_opens_nothing(screen_and_token, client, monkeypatch):
    _screen, token = screen_and_token
    ticket = ticket_for(token)
    later = signing.time.time() + 61
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert client.get(EVENTS, {"ticket": ticket}).status_code == 401


def test_a_ticket_dies_with_the_token_it_was_bought_with(screen_and_token, client):
    screen, token = screen_and_token
    ticket = ticket_for(token)
    auth.issue_token(screen)  # the screen was re-provisioned: the old token is void
    assert client.get(EVENTS, {"ticket": ticket}).status_code == 401
    screen.refresh_from_db()
    fresh = auth.issue_token(screen)
    screen.enabled = False
    screen.save()
    assert client.get(EVENTS, HTTP_AUTHORIZATION=f"Bearer {fresh}").status_code == 401


def test_a_screen_hears_its_manifest_change_and_commands_blocking_stream(
    screen_and_token, make_screen, client, django_capture_on_commit_callbacks
):
    screen, token = screen_and_token
    other, _ = make_screen(name="新华广场屏")
    response = client.get(EVENTS, {"ticket": ticket_for(token)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-cache, no-store"
    stream = iter(response.streaming_content)
    first = next(stream).decode()
    assert first.startswith("retry: ")
    assert f'event: ready\ndata: {{"screen": {screen.pk}' in first
    assert cache.get(f"screens:connected:{screen.pk}") is not None

    with django_capture_on_commit_callbacks(execute=True):
        versions.bump_screens([other.pk])  # someone else's change: nothing for this screen
        versions.bump_screens([screen.pk])
    frame = next(stream).decode()
    expected = versions.current_versions([screen.pk])[screen.pk]
    assert frame == f'event: manifest\ndata: {{"version": "{expected}"}}\n\n'

    with django_capture_on_commit_callbacks(execute=True):
        screen_command.send(sender=None, screen_ids=[screen.pk], command="reload")
    assert next(stream).decode() == 'event: command\ndata: {"command": "reload"}\n\n'
    assert next(stream).decode() == ": keep-alive\n\n"
    response.close()
    assert cache.get(f"screens:connected:{screen.pk}") is None


def test_bearer_header_opens_the_stream_too(screen_and_token):
    _screen, token = screen_and_token
    response = Client().get(EVENTS, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert b"event: ready" in next(iter(response.streaming_content))
    response.close()


def test_under_asgi_idle_streams_hold_no_thread(
    screen_and_token, django_capture_on_commit_callbacks, settings
):
    settings.SCREENS_EVENTS_MAX_STREAMS = 40  # forty streams of one screen, for the count only
    screen, token = screen_and_token
    ticket = ticket_for(token)

    async def run():
        client = AsyncClient()
        streams = []
        for _ in range(40):
            response = await client.get(EVENTS, {"ticket": ticket})
            assert response.status_code == 200
            iterator = aiter(response.streaming_content)
            assert b"event: ready" in await anext(iterator)
            streams.append((response, iterator))
        threads_while_open = threading.active_count()
        # A change published from a worker thread (as a sync admin view would).
        await asyncio.to_thread(events.push.publish, "manifest", {"version": "v9"}, [screen.pk])
        frames = [await asyncio.wait_for(anext(it), 3) for _, it in streams]
        keepalive = await asyncio.wait_for(anext(streams[0][1]), 3)
        for _, iterator in streams:
            await iterator.aclose()
        return threads_while_open, frames, keepalive

    threads_before = threading.active_count()
    threads_while_open, frames, keepalive = async_to_sync(run)()

    # Forty open streams, and no thread per stream (a few for the loop and executor at most).
    assert threads_while_open - threads_before < 5
    assert frames == [b'event: manifest\ndata: {"version": "v9"}\n\n'] * 40
    assert keepalive == b": keep-alive\n\n"


def test_under_asgi_the_streams_periodic_work_is_done_once_for_all_of_them(
    screen_and_token, settings, monkeypatch
):
    """Twenty open streams: the look for other processes' changes (without Redis) runs about once
    per period, and
    the "connected" keys are written in one cache call per keep-alive period for all of them,
    not one per stream and keep-alive; every screen's key and every slot are kept fresh."""
    settings.SCREENS_EVENTS_MAX_STREAMS = 20
    settings.CONTENT_GENERATION_CHECK_SECONDS = 0.1
    settings.SCREENS_EVENTS_SLOT_LEASE_SECONDS = 1
    screen, token = screen_and_token
    ticket = ticket_for(token)
    looks = []
    real_look = versions.announce_foreign_change
    monkeypatch.setattr(versions, "announce_foreign_change", lambda: looks.append(1) or real_look())
    writes = []
    real_mark, real_mark_all = events._mark_connected, events._mark_all_connected
    monkeypatch.setattr(events, "_mark_connected", lambda i: writes.append(1) or real_mark(i))
    monkeypatch.setattr(
        events, "_mark_all_connected", lambda ids: writes.append(1) or real_mark_all(ids)
    )
    key = events.CONNECTED_KEY.format(screen.pk)

    async def read(iterator, seconds):
        # Whole frames only (keep-alives come every 0.3 s): cancelling a read ends the stream.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            await anext(iterator)

    async def run():
        client = AsyncClient()
        iterators = []
        for _ in range(20):
            response = await client.get(EVENTS, {"ticket": ticket})
            iterator = aiter(response.streaming_content)
            assert b"event: ready" in await anext(iterator)
            iterators.append(iterator)
        opened = len(looks)  # each stream's baseline look when it opened
        marked = len(writes)  # and its first mark
        await asyncio.to_thread(cache.delete, key)
        # Two seconds: twice the slots' lease, several keep-alive and look periods.
        await asyncio.gather(*(read(iterator, 2.0) for iterator in iterators))
        result = {
            "periodic looks": len(looks) - opened,
            "connected writes": len(writes) - marked,
            "connected key": await asyncio.to_thread(cache.get, key),
            "slots held": await asyncio.to_thread(events.streams.count, screen.pk),
        }
        for iterator in iterators:
            await iterator.aclose()
        return result

    result = async_to_sync(run)()

    # About 2 s / 0.1 s = 20 looks in all (one stream alone would make as many); twenty streams
    # each looking would be about 400.
    if isinstance(events.push.get_broker(), events.push.LocalBroker):
        assert 5 <= result["periodic looks"] <= 40
    else:  # through Redis every process's changes arrive as events: nothing to look for
        assert result["periodic looks"] == 0
    # 2 s / 0.3 s keep-alive periods: about 7 writes; one per stream and keep-alive, about 130.
    assert 3 <= result["connected writes"] <= 15
    assert result["connected key"] is not None  # refreshed after it was deleted
    assert result["slots held"] == 20  # renewed, though the lease is half the time open
