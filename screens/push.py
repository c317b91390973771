"""The push channel's broker: tells every connected screen at once that its manifest changed.

A published event reaches the subscriptions (one per open event stream) of the screens it names.
With ``REDIS_URL`` set, events go through Redis pub/sub, so a change saved by any process reaches
streams held by every ASGI worker; each process keeps ONE Redis subscription and fans messages
out to its local queues, so a thousand idle streams cost a thousand small queues, not a thousand
Redis connections. Without Redis, a process-local hub is the broker (one process serves all).

Nothing depends on push alone: a screen re-reads its manifest whenever its stream (re)connects
and polls it regularly, so an event lost while Redis or the network was away only delays the
change until then. For the same reason a full queue drops an event rather than blocking the
publisher: one pending "manifest changed" is as good as ten.

Subscriptions come in two kinds. Under ASGI (uvicorn) a stream awaits an ``asyncio.Queue`` and
holds no thread while idle. Under WSGI (``runserver``, the test suite's live server) a stream is a
blocking generator on a ``queue.Queue``; see ``screens.events`` for why both exist.
"""

import asyncio
import json
import logging
import queue
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from screens.signals import manifest_changed, screen_command

logger = logging.getLogger(__name__)

CHANNEL = "kepu:screens:events"
QUEUE_SIZE = 64
ALL = object()
# Redis reconnect backoff of the per-process listener, in seconds.
LISTENER_BACKOFF = (0.5, 1, 2, 5, 10)


@dataclass(frozen=True)
class Event:
    """``kind`` is the SSE event name; ``screens`` None means every screen."""

    kind: str
    data: dict = field(default_factory=dict)
    screens: frozenset | None = None

    def to_json(self):
        screens = None if self.screens is None else sorted(self.screens)
        return json.dumps({"kind": self.kind, "data": self.data, "screens": screens})

    @classmethod
    def from_json(cls, raw):
        message = json.loads(raw)
        screens = message.get("screens")
        return cls(
            kind=str(message["kind"]),
            data=dict(message.get("data") or {}),
            screens=None if screens is None else frozenset(int(s) for s in screens),
        )

    def data_for(self, screen_id):
        """The payload one screen sees: its own version when versions were sent per screen."""
        data = dict(self.data)
        versions = data.pop("versions", None)
        if isinstance(versions, dict) and str(screen_id) in versions:
            data["version"] = versions[str(screen_id)]
        return data


class Subscription:
    """One open event stream of one screen."""

    def __init__(self, hub, screen_id, loop=None):
        self.hub = hub
        self.screen_id = screen_id
        self.loop = loop
        if loop is None:
            self.queue = queue.Queue(maxsize=QUEUE_SIZE)
        else:
            self.queue = asyncio.Queue(maxsize=QUEUE_SIZE)

    def offer(self, event):
        try:
            self.queue.put_nowait(event)
        except (asyncio.QueueFull, queue.Full):
            logger.info("screen %s: event queue full, dropped %s", self.screen_id, event.kind)

    def close(self):
        self.hub.remove(self)


class Hub:
    """This process's subscriptions, and delivery to them from any thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_screen = {}

    def add(self, subscription):
        with self._lock:
            self._by_screen.setdefault(subscription.screen_id, set()).add(subscription)

    def remove(self, subscription):
        with self._lock:
            subs = self._by_screen.get(subscription.screen_id)
            if subs is not None:
                subs.discard(subscription)
                if not subs:
                    del self._by_screen[subscription.screen_id]

    def count(self, screen_id=None):
        with self._lock:
            if screen_id is not None:
                return len(self._by_screen.get(screen_id, ()))
            return sum(len(subs) for subs in self._by_screen.values())

    def deliver(self, event, loop=ALL):
        """Offer ``event`` to the subscriptions it names; ``loop`` narrows them to one event
        loop's (None: the blocking ones), for brokers that listen once per loop."""
        with self._lock:
            if event.screens is None:
                targets = [sub for subs in self._by_screen.values() for sub in subs]
            else:
                targets = [sub for sid in event.screens for sub in self._by_screen.get(sid, ())]
        if loop is not ALL:
            targets = [sub for sub in targets if sub.loop is loop]
        # asyncio queues may only be touched from their own loop: one wake-up per loop, not per
        # subscriber, so a change for a thousand screens costs one hop into the event loop.
        by_loop = {}
        for sub in targets:
            if sub.loop is None:
                sub.offer(event)
            else:
                by_loop.setdefault(sub.loop, []).append(sub)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, subs in by_loop.items():
            if loop is running:
                _offer_all(subs, event)
            elif not loop.is_closed():
                loop.call_soon_threadsafe(_offer_all, subs, event)
        return len(targets)


def _offer_all(subs, event):
    for sub in subs:
        sub.offer(event)


class LocalBroker:
    """No Redis: one process holds every stream, so publishing is delivering."""

    def __init__(self):
        self.hub = Hub()

    def publish(self, event):
        self.hub.deliver(event)

    def subscribe(self, screen_id):
        sub = Subscription(self.hub, screen_id)
        self.hub.add(sub)
        return sub

    async def asubscribe(self, screen_id):
        sub = Subscription(self.hub, screen_id, loop=asyncio.get_running_loop())
        self.hub.add(sub)
        return sub

    def wait_ready(self, timeout=None):
        return True

    async def await_ready(self, timeout=None):
        return True


class RedisBroker:
    """Redis pub/sub; one listener per process (per event loop under ASGI, or one thread)."""

    def __init__(self, url):
        self.url = url
        self.hub = Hub()
        self._lock = threading.Lock()
        self._client = None
        self._loop_listeners = {}
        self._thread = None
        self._thread_ready = threading.Event()
        self._closed = threading.Event()

    def close(self):
        """Stop the listener thread (when settings name another broker, as tests do)."""
        self._closed.set()

    def _sync_client(self):
        import redis

        with self._lock:
            if self._client is None:
                self._client = redis.Redis.from_url(
                    self.url, socket_connect_timeout=1, socket_timeout=2
                )
            return self._client

    def publish(self, event):
        import redis

        try:
            self._sync_client().publish(CHANNEL, event.to_json())
        except redis.RedisError:
            # The screens' regular poll still carries the change; a save must not fail here.
            logger.warning(
                "could not publish %s to Redis; screens will see it on their poll", event
            )

    # -- ASGI: one listener task per event loop (uvicorn has one loop per worker process)
    async def asubscribe(self, screen_id):
        loop = asyncio.get_running_loop()
        sub = Subscription(self.hub, screen_id, loop=loop)
        self.hub.add(sub)
        self._ensure_loop_listener(loop)
        return sub

    def _ensure_loop_listener(self, loop):
        with self._lock:
            state = self._loop_listeners.get(loop)
            if state is None or state["task"].done():
                ready = asyncio.Event()
                task = loop.create_task(self._listen_async(ready))
                state = self._loop_listeners[loop] = {"task": task, "ready": ready}
        return state

    async def await_ready(self, timeout=2.0):
        state = self._ensure_loop_listener(asyncio.get_running_loop())
        try:
            await asyncio.wait_for(state["ready"].wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _listen_async(self, ready):
        import redis.asyncio as aredis
        from redis.exceptions import RedisError

        loop = asyncio.get_running_loop()
        attempt = 0
        resync = False
        while not self._closed.is_set():
            client = aredis.Redis.from_url(self.url, socket_connect_timeout=1)
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                # Ready only once Redis confirms: a publish racing the SUBSCRIBE would be lost.
                while (await pubsub.get_message(timeout=5.0) or {}).get("type") != "subscribe":
                    pass
                ready.set()
                attempt = 0
                if resync:
                    # Events published while the subscription was down are lost: tell every
                    # local screen to re-read its manifest instead.
                    self.hub.deliver(Event("manifest", {"resync": True}), loop)
                while True:
                    message = await pubsub.get_message(timeout=None)
                    if message is not None and message.get("type") == "message":
                        self._dispatch(message["data"], loop)
            except (RedisError, OSError):
                ready.clear()
                resync = True
                delay = LISTENER_BACKOFF[min(attempt, len(LISTENER_BACKOFF) - 1)]
                attempt += 1
                logger.warning("screens push: Redis subscription lost; retrying in %ss", delay)
                await asyncio.sleep(delay)
            finally:
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except (RedisError, OSError):
                    logger.debug("screens push: closing a broken Redis connection failed")

    # -- WSGI: one daemon thread per process
    def subscribe(self, screen_id):
        sub = Subscription(self.hub, screen_id)
        self.hub.add(sub)
        self._ensure_thread()
        return sub

    def _ensure_thread(self):
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._listen_thread, name="screens-push-redis", daemon=True
                )
                self._thread.start()

    def wait_ready(self, timeout=2.0):
        self._ensure_thread()
        return self._thread_ready.wait(timeout)

    def _listen_thread(self):
        import redis

        attempt = 0
        resync = False
        while not self._closed.is_set():
            client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
            pubsub = client.pubsub()
            try:
                pubsub.subscribe(CHANNEL)
                while (pubsub.get_message(timeout=5.0) or {}).get("type") != "subscribe":
                    pass
                self._thread_ready.set()
                attempt = 0
                if resync:
                    self.hub.deliver(Event("manifest", {"resync": True}), None)
                while not self._closed.is_set():
                    message = pubsub.get_message(timeout=5.0)
                    if message is not None and message.get("type") == "message":
                        self._dispatch(message["data"], None)
            except (redis.RedisError, OSError):
                self._thread_ready.clear()
                resync = True
                delay = LISTENER_BACKOFF[min(attempt, len(LISTENER_BACKOFF) - 1)]
                attempt += 1
                logger.warning("screens push: Redis subscription lost; retrying in %ss", delay)
                self._closed.wait(delay)
            finally:
                try:
                    pubsub.close()
                    client.close()
                except (redis.RedisError, OSError):
                    logger.debug("screens push: closing a broken Redis connection failed")

    def _dispatch(self, raw, loop):
        try:
            event = Event.from_json(raw)
        except (ValueError, KeyError, TypeError):
            logger.warning("screens push: ignored a malformed message on %s", CHANNEL)
            return
        # Each listener serves its own subscriptions, so none is offered an event twice.
        self.hub.deliver(event, loop)


_broker = None
_broker_key = None
_broker_lock = threading.Lock()


def get_broker():
    """This process's broker, following ``settings.REDIS_URL`` (tests may change it)."""
    global _broker, _broker_key
    url = getattr(settings, "REDIS_URL", None) or None
    with _broker_lock:
        if _broker is None or _broker_key != url:
            if isinstance(_broker, RedisBroker):
                _broker.close()
            _broker = RedisBroker(url) if url else LocalBroker()
            _broker_key = url
        return _broker


def publish(kind, data=None, screen_ids=None):
    """Send an event to the screens named (every screen when ``screen_ids`` is None)."""
    screens = None if screen_ids is None else frozenset(int(s) for s in screen_ids)
    if screens is not None and not screens:
        return
    get_broker().publish(Event(kind, dict(data or {}), screens))


def _publish_after_commit(kind, data, screen_ids):
    # A screen told before the commit would fetch the manifest it already has.
    transaction.on_commit(lambda: publish(kind, data, screen_ids))


@receiver(manifest_changed, dispatch_uid="screens.push.manifest_changed")
def push_manifest_changed(sender, screen_ids=None, version=None, **kwargs):
    """``version`` is one string for all ``screen_ids`` or a dict {screen_id: version}."""
    if isinstance(version, dict):
        ids = list(version) if screen_ids is None else screen_ids
        data = {"versions": {str(k): str(v) for k, v in version.items()}}
    else:
        ids = screen_ids
        data = {} if version is None else {"version": str(version)}
    if ids is None:
        return
    _publish_after_commit("manifest", data, ids)


@receiver(screen_command, dispatch_uid="screens.push.screen_command")
def push_screen_command(sender, screen_ids=None, command="reload", **kwargs):
    if not screen_ids:
        return
    _publish_after_commit("command", {"command": str(command)}, screen_ids)
