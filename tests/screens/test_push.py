"""The push broker: a change reaches every open stream of the screens it names, in one process
and, through Redis, across processes.

Coroutines run on a loop of their own in another thread: after the browser tests, Playwright
keeps an event loop running on this one, where asyncio.run() would refuse."""

import asyncio
import os
import queue
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

from screens.push import Event, LocalBroker, RedisBroker, get_broker

ROOT = Path(__file__).resolve().parents[2]


def in_fresh_loop(coroutine_function):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine_function()).result()


needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis pass sets REDIS_URL")


def test_local_broker_reaches_async_and_blocking_streams_of_the_named_screens_only():
    broker = LocalBroker()
    blocking = broker.subscribe(7)
    other = broker.subscribe(8)

    async def run():
        streams = [await broker.asubscribe(7) for _ in range(3)]
        # Published from another thread, as a sync view or admin action under ASGI does.
        await asyncio.to_thread(broker.publish, Event("manifest", {"version": "2"}, frozenset({7})))
        received = [await asyncio.wait_for(s.queue.get(), 2) for s in streams]
        for stream in streams:
            stream.close()
        return received

    received = in_fresh_loop(run)

    assert [event.data for event in received] == [{"version": "2"}] * 3
    assert blocking.queue.get(timeout=1).kind == "manifest"
    with pytest.raises(queue.Empty):
        other.queue.get(timeout=0.1)
    assert broker.hub.count(7) == 1  # the closed async streams left the hub


def test_an_event_for_every_screen_reaches_all_and_versions_are_per_screen():
    broker = LocalBroker()
    first, second = broker.subscribe(1), broker.subscribe(2)
    broker.publish(Event("manifest", {"versions": {"1": "a", "2": "b"}}))
    assert first.queue.get(timeout=1).data_for(1) == {"version": "a"}
    assert second.queue.get(timeout=1).data_for(2) == {"version": "b"}


def test_a_full_queue_drops_instead_of_blocking_the_publisher():
    broker = LocalBroker()
    stream = broker.subscribe(3)
    for number in range(200):
        broker.publish(Event("manifest", {"version": str(number)}, frozenset({3})))
    assert stream.queue.qsize() == stream.queue.maxsize


def test_without_redis_the_broker_is_in_process(settings):
    settings.REDIS_URL = None
    assert isinstance(get_broker(), LocalBroker)


PUBLISHER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from screens.push import Event, RedisBroker
    broker = RedisBroker({url!r})
    broker.publish(Event("manifest", {{"version": "from-elsewhere"}}, frozenset({{41}})))
    broker.publish(Event("command", {{"command": "reload"}}, frozenset({{42}})))
    """
)


def _publish_from_another_process(url):
    # A bare interpreter: the publisher shares nothing with this process but Redis.
    script = PUBLISHER.format(root=str(ROOT), url=url)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kepuqingcheng.settings.test"}
    code = "import django; django.setup()\n" + script
    command = [sys.executable, "-c", code]
    subprocess.run(command, check=True, cwd=ROOT, env=env, timeout=60)  # noqa: S603 - our code


@needs_redis
def test_redis_fans_out_a_change_published_by_another_process():
    url = settings.REDIS_URL
    # Two brokers stand for two ASGI worker processes, each with its own Redis subscription.
    workers = [RedisBroker(url), RedisBroker(url)]
    blocking = RedisBroker(url)

    async def run():
        streams = []
        for broker in workers:
            streams += [await broker.asubscribe(41) for _ in range(5)]
            assert await broker.await_ready(timeout=5)
        unrelated = await workers[0].asubscribe(99)
        thread_stream = blocking.subscribe(42)
        assert blocking.wait_ready(timeout=5)
        await asyncio.to_thread(_publish_from_another_process, url)
        received = [await asyncio.wait_for(s.queue.get(), 5) for s in streams]
        command = await asyncio.to_thread(thread_stream.queue.get, True, 5)
        await asyncio.sleep(0.2)
        return received, command, unrelated.queue.qsize()

    received, command, unrelated = in_fresh_loop(run)

    assert len(received) == 10
    assert {event.data["version"] for event in received} == {"from-elsewhere"}
    assert command.kind == "command" and command.data == {"command": "reload"}
    assert unrelated == 0


@needs_redis
def test_with_redis_url_the_broker_is_redis():
    assert isinstance(get_broker(), RedisBroker)
