"""At most a few open event streams per screen: ``SCREENS_EVENTS_MAX_STREAMS`` (3).

One screen token once held 1,500 streams open, each a socket and a queue on the server. A player
needs one; a few more cover a reconnect while the server has not yet noticed that the old socket
died. When a screen holds the limit, a further stream is refused with 429 JSON and
``Retry-After`` (the oldest is not closed: whoever holds a copy of the token could otherwise keep
the real screen's stream closed, and the player falls back to polling its manifest meanwhile).

Each open stream holds a *slot*, a lease of ``lease_seconds()`` renewed while the stream sends
(every keep-alive does), and given back when the stream ends, the client goes away or the response
is closed. A slot that is never given back (a worker killed mid-stream, a stream cancelled
before its first byte) lapses with its lease, so nothing leaks for long.

With ``REDIS_URL`` set, slots live in Redis (a sorted set per screen, scored by lease expiry, taken
by one atomic script), so the limit holds across every ASGI worker; otherwise, and for as long as
Redis does not answer, they live in this process. Kept apart from ``screens.events`` and
``screens.push`` on purpose: the stream's content is only wrapped here.
"""

import asyncio
import logging
import threading
import time
import uuid

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DEFAULT_MAX_STREAMS = 3
KEY = "kepu:screens:streams:{}"
# After Redis failed to answer, slots stay in-process for this long before Redis is tried again:
# opening a stream must not wait for a connect timeout every time while Redis is away.
REDIS_RETRY_SECONDS = 5.0

_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def max_streams():
    return int(getattr(settings, "SCREENS_EVENTS_MAX_STREAMS", DEFAULT_MAX_STREAMS))


def lease_seconds():
    override = getattr(settings, "SCREENS_EVENTS_SLOT_LEASE_SECONDS", None)
    if override:
        return float(override)
    # Three keep-alives, so a slow write or two does not lose a live stream its slot.
    keepalive = float(getattr(settings, "SCREENS_EVENTS_KEEPALIVE_SECONDS", 15))
    return max(30.0, 3 * keepalive)


class LocalSlots:
    """Slots of this process: {screen_id: {slot_id: lease expiry (monotonic)}}."""

    def __init__(self):
        self._lock = threading.Lock()
        self._held = {}

    def acquire(self, screen_id, slot_id, limit, lease):
        now = time.monotonic()
        with self._lock:
            held = self._held.setdefault(screen_id, {})
            for stale in [key for key, expiry in held.items() if expiry <= now]:
                del held[stale]
            if len(held) >= limit:
                return False
            held[slot_id] = now + lease
            return True

    def renew(self, screen_id, slot_id, lease):
        with self._lock:
            held = self._held.get(screen_id, {})
            if slot_id in held:
                held[slot_id] = time.monotonic() + lease

    def release(self, screen_id, slot_id):
        with self._lock:
            held = self._held.get(screen_id, {})
            held.pop(slot_id, None)
            if not held:
                self._held.pop(screen_id, None)

    def count(self, screen_id):
        now = time.monotonic()
        with self._lock:
            return sum(1 for expiry in self._held.get(screen_id, {}).values() if expiry > now)

    def clear(self):
        with self._lock:
            self._held.clear()


class RedisSlots:
    """Slots shared by every process through Redis; wall-clock lease expiry as the score."""

    def __init__(self, url):
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self._acquire = self.client.register_script(_ACQUIRE)

    def acquire(self, screen_id, slot_id, limit, lease):
        now = time.time()
        args = [now, limit, now + lease, slot_id, int(lease) + 1]
        return bool(self._acquire(keys=[KEY.format(screen_id)], args=args))

    def renew(self, screen_id, slot_id, lease):
        key = KEY.format(screen_id)
        with self.client.pipeline() as pipe:
            pipe.zadd(key, {slot_id: time.time() + lease}, xx=True)
            pipe.expire(key, int(lease) + 1)
            pipe.execute()

    def renew_many(self, slots, lease):
        """Renew ``slots`` ((screen_id, slot_id) pairs) in one round trip."""
        with self.client.pipeline(transaction=False) as pipe:
            for screen_id, slot_id in slots:
                key = KEY.format(screen_id)
                pipe.zadd(key, {slot_id: time.time() + lease}, xx=True)
                pipe.expire(key, int(lease) + 1)
            pipe.execute()

    def release(self, screen_id, slot_id):
        self.client.zrem(KEY.format(screen_id), slot_id)

    def count(self, screen_id):
        return self.client.zcount(KEY.format(screen_id), time.time(), "+inf")


_local = LocalSlots()
_redis = {}
_redis_lock = threading.Lock()
_redis_down_until = 0.0


def _shared():
    """The Redis registry for ``settings.REDIS_URL``, or None (no Redis, or Redis just failed)."""
    url = getattr(settings, "REDIS_URL", None)
    if not url or time.monotonic() < _redis_down_until:
        return None
    with _redis_lock:
        if url not in _redis:
            _redis[url] = RedisSlots(url)
        return _redis[url]


def _redis_failed(action, error):
    global _redis_down_until
    _redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
    logger.warning("screens streams: Redis failed to %s (%s); counting in-process", action, error)


def _redis_errors():
    from redis.exceptions import RedisError

    return (RedisError, OSError)


class Slot:
    """One open stream's place among its screen's ``max_streams()``."""

    def __init__(self, screen_id, registry, lease):
        self.id = uuid.uuid4().hex
        self.screen_id = screen_id
        self.registry = registry
        self.lease = lease
        self._renewed = time.monotonic()
        self._released = False
        self._lock = threading.Lock()

    def renew_due(self):
        return not self._released and time.monotonic() - self._renewed >= self.lease / 3

    def renew(self):
        self._renewed = time.monotonic()
        try:
            self.registry.renew(self.screen_id, self.id, self.lease)
        except _redis_errors() as error:
            _redis_failed("renew a stream slot", error)

    def release(self):
        with self._lock:
            if self._released:
                return
            self._released = True
        try:
            self.registry.release(self.screen_id, self.id)
        except _redis_errors() as error:
            # The lease lapses on its own.
            _redis_failed("release a stream slot", error)


def renew_all(slots):
    """Renew many open streams' slots at once (the ASGI streams' ticker, screens.events):
    in-process ones directly, Redis ones in one pipeline per registry."""
    by_registry = {}
    for slot in slots:
        if not slot._released:
            slot._renewed = time.monotonic()
            by_registry.setdefault(id(slot.registry), (slot.registry, []))[1].append(slot)
    for registry, held in by_registry.values():
        if isinstance(registry, LocalSlots):
            for slot in held:
                registry.renew(slot.screen_id, slot.id, slot.lease)
            continue
        try:
            registry.renew_many([(slot.screen_id, slot.id) for slot in held], held[0].lease)
        except _redis_errors() as error:
            _redis_failed("renew stream slots", error)


def acquire(screen_id):
    """A slot for a new stream of this screen, or None when it already holds the limit."""
    limit, lease = max_streams(), lease_seconds()
    shared = _shared()
    if shared is not None:
        slot = Slot(screen_id, shared, lease)
        try:
            return slot if shared.acquire(screen_id, slot.id, limit, lease) else None
        except _redis_errors() as error:
            _redis_failed("take a stream slot", error)
    slot = Slot(screen_id, _local, lease)
    return slot if _local.acquire(screen_id, slot.id, limit, lease) else None


def count(screen_id):
    """Open streams of this screen (across processes when Redis holds the slots)."""
    shared = _shared()
    if shared is not None:
        try:
            return shared.count(screen_id)
        except _redis_errors() as error:
            _redis_failed("count stream slots", error)
    return _local.count(screen_id)


def refused():
    limit = max_streams()
    response = JsonResponse(
        {
            "error": "too many streams",
            "detail": _("这块屏幕已打开 %(limit)d 个推送连接，达到上限，请稍后重试。")
            % {"limit": limit},
        },
        status=429,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = str(int(lease_seconds()))
    return response


def _release_soon(slot):
    # Runs while the stream is being cancelled (the client went away), where awaiting is unsafe,
    # so a Redis round trip goes to a thread and nobody waits for it.
    if isinstance(slot.registry, LocalSlots):
        slot.release()
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        slot.release()
        return
    loop.run_in_executor(None, slot.release)


class _HeldSync:
    def __init__(self, slot, content):
        self.slot, self.content = slot, content

    def __iter__(self):
        try:
            for chunk in self.content:
                yield chunk
                if self.slot.renew_due():
                    self.slot.renew()
        finally:
            close = getattr(self.content, "close", None)
            if close is not None:
                close()
            self.slot.release()

    def close(self):
        # Django closes the response even when its content was never iterated.
        self.slot.release()


class _HeldAsync:
    # The slot is renewed by the streams' ticker (screens.events), with every other open stream's.

    def __init__(self, slot, content):
        self.slot, self.content = slot, content

    async def _chunks(self):
        try:
            async for chunk in self.content:
                yield chunk
        finally:
            await self.content.aclose()
            _release_soon(self.slot)

    def __aiter__(self):
        return self._chunks()

    def close(self):
        self.slot.release()


def hold(slot, content):
    """``content`` (a sync or async iterator of frames) that gives the slot back when it ends."""
    if hasattr(content, "__aiter__"):
        return _HeldAsync(slot, content)
    return _HeldSync(slot, content)
