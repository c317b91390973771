"""The push channel's HTTP side: ``GET /api/v1/screens/events`` (Server-Sent Events) and
``POST /api/v1/screens/events/ticket``.

A browser's ``EventSource`` cannot send an ``Authorization`` header, so the player first trades
its token for a ticket (signed, 60 seconds) and opens the stream with ``?ticket=``; other clients
may send ``Authorization: Bearer TOKEN`` on the stream itself.

Events: ``ready`` once subscribed (the player re-reads its manifest then, which covers whatever
happened while it was disconnected, so no replay by ``Last-Event-ID`` is needed), ``manifest``
when the screen's manifest changed (``{"version": ...}``), ``command`` (``{"command": "reload"}``).
Without Redis the streams also notice, within about a second, a content change committed by
another process (``screens.versions.announce_foreign_change``) and send ``manifest`` for it.
A comment line every ``SCREENS_EVENTS_KEEPALIVE_SECONDS`` (15; each stream spreads its own over the
last quarter of that) keeps proxies from cutting an idle stream; as often, the cache key
``screens:connected:<screen_id>`` that the admin reads as "推送已连接" is refreshed (under ASGI
for all of the process's streams at once, see ``_Ticker``). A stream ends after
``SCREENS_EVENTS_MAX_SECONDS`` (900) and the client reconnects (``retry:``); so a revoked token
stops receiving within that time. A screen holds at most ``SCREENS_EVENTS_MAX_STREAMS`` (3)
streams at once; a further one is answered 429 (see ``screens.streams``).

The view serves both kinds of server. Under ASGI (uvicorn, production) the stream is an async
generator awaiting an asyncio queue: an idle screen holds a socket and a small queue, no thread.
Under WSGI (``runserver``, and pytest-django's live server that the browser tests use) an async
generator would be read to its end before anything is sent, so there the stream is a blocking
generator on a thread queue, one thread per stream, with the same bounded lifetime. This keeps the
whole browser suite on the ordinary live server (same database, same process-local broker) rather
than a uvicorn subprocess against a copied database; the ASGI path is tested on its own.
"""

import asyncio
import contextvars
import json
import logging
import random
import time
import weakref

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from ninja import Router, Schema
from ninja.security import HttpBearer

from content import generation
from screens import auth, push, streams, versions

logger = logging.getLogger(__name__)

TICKET_SALT = "screens.events.ticket"
CONNECTED_KEY = "screens:connected:{}"
CONNECTED_TTL = 90


def _setting(name, default):
    return getattr(settings, name, default)


def ticket_seconds():
    return _setting("SCREENS_EVENTS_TICKET_SECONDS", 60)


# -- tickets


def make_ticket(screen):
    # The token hash's head ties the ticket to the token it was bought with: a ticket bought with
    # a token that has since been replaced or revoked opens nothing.
    return signing.dumps({"s": screen.pk, "h": screen.token_hash[:12]}, salt=TICKET_SALT)


def _screen_for_ticket(ticket):
    from screens.models import Screen

    try:
        payload = signing.loads(ticket, salt=TICKET_SALT, max_age=ticket_seconds())
        screen_id, head = int(payload["s"]), str(payload["h"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    screen = Screen.objects.filter(pk=screen_id, enabled=True).only("pk", "token_hash").first()
    if screen is None or not head or not screen.token_hash.startswith(head):
        return None
    return screen


def _bearer(request):
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def screen_for_request(request):
    """The screen a stream request authenticates as (Bearer token or ticket), or None."""
    token = _bearer(request)
    if token is not None:
        return auth.authenticate_token(token)
    ticket = request.GET.get("ticket", "")
    if ticket and len(ticket) < 500:
        return _screen_for_ticket(ticket)
    return None


class ScreenBearer(HttpBearer):
    def authenticate(self, request, token):
        return auth.authenticate_token(token)


class TicketOut(Schema):
    ticket: str
    expires_in: int


class ErrorOut(Schema):
    detail: str


router = Router(tags=["screens"])


@router.post(
    "/ticket",
    auth=ScreenBearer(),
    response={200: TicketOut, 401: ErrorOut},
    summary="Ticket for opening the event stream",
    description="Trade the screen's bearer token for a short-lived ticket: "
    "`GET /api/v1/screens/events?ticket=...` (EventSource cannot send headers).",
)
def events_ticket(request):
    return {"ticket": make_ticket(request.auth), "expires_in": ticket_seconds()}


# -- the stream


def _frame(kind, data):
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _ready_frame(screen_id, retry_ms):
    payload = {"screen": screen_id, "server_time": timezone.localtime().isoformat()}
    return f"retry: {retry_ms}\n" + _frame("ready", payload)


KEEPALIVE_FRAME = ": keep-alive\n\n"


def _mark_connected(screen_id):
    cache.set(CONNECTED_KEY.format(screen_id), int(time.time()), CONNECTED_TTL)


def _mark_disconnected(hub, screen_id):
    # Another stream of the same screen in this process still counts as connected; one in another
    # process re-sets the key at its next keep-alive.
    if hub.count(screen_id) == 0:
        cache.delete(CONNECTED_KEY.format(screen_id))


class _Timing:
    def __init__(self):
        self.keepalive = float(_setting("SCREENS_EVENTS_KEEPALIVE_SECONDS", 15))
        self.lifetime = float(_setting("SCREENS_EVENTS_MAX_SECONDS", 900))
        self.retry_ms = int(_setting("SCREENS_EVENTS_RETRY_MS", 3000))
        # How often streams look for content changes made by other processes (embedded default).
        self.watch = generation.check_seconds()

    def next_keepalive(self):
        # Spread over the last quarter of the interval: an event sent to a thousand streams at
        # once would otherwise have them all write their keep-alive (and the cache key with it)
        # in the same instant ever after, exhausting the cache's connection pool.
        return self.keepalive * random.uniform(0.75, 1.0)  # noqa: S311 - load spreading only


async def _astream(screen_id, broker, timing, slot):
    sub = await broker.asubscribe(screen_id)
    watch = _watches_other_processes(broker)
    member = None
    try:
        await broker.await_ready()
        if watch:  # the baseline: a change from now on is one this stream must hear of
            await sync_to_async(_check_other_processes)()
        await sync_to_async(_mark_connected)(screen_id)
        yield _ready_frame(screen_id, timing.retry_ms)
        # From here on the process's ticker does the periodic work (see _Ticker): this stream
        # only waits for its events and writes its keep-alives.
        member = _Ticker.join(screen_id, slot, watch)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timing.lifetime
        quiet_until = loop.time() + timing.next_keepalive()
        while (left := deadline - loop.time()) > 0:
            try:
                event = await asyncio.wait_for(
                    sub.queue.get(), max(min(quiet_until - loop.time(), left), 0)
                )
            except TimeoutError:
                if loop.time() >= quiet_until:
                    yield KEEPALIVE_FRAME
                    member.sent()
                    quiet_until = loop.time() + timing.next_keepalive()
                continue
            yield _frame(event.kind, event.data_for(screen_id))
            member.sent()
            quiet_until = loop.time() + timing.next_keepalive()
    finally:
        if member is not None:
            member.leave()
        sub.close()
        _mark_disconnected_soon(broker.hub, screen_id)


class _Member:
    """One open ASGI stream, as the ticker sees it."""

    def __init__(self, ticker, screen_id, slot):
        self.ticker, self.screen_id, self.slot = ticker, screen_id, slot
        self.sent_at = ticker.loop.time()

    def sent(self):
        self.sent_at = self.ticker.loop.time()

    def leave(self):
        self.ticker.members.discard(self)


class _Ticker:
    """The periodic work of every open ASGI stream of this process, done once for all of them.

    Each stream used to do it itself: wake every ``watch`` seconds to look for content changes
    made by other processes (in the embedded default), and at each keep-alive hop to a thread to
    refresh its "connected" cache key and renew its slot. With a thousand screens holding
    streams that was thousands of wake-ups and thread hops a second on the worker's event loop,
    and the alert acknowledgements arriving in the same seconds waited behind them. One task per
    event loop now checks the shared generation once per period, refreshes every open screen's
    key in one cache call per keep-alive period and renews the slots of the streams that are
    still sending in one round trip per third of a lease. It ends when its last stream does.
    """

    _by_loop = weakref.WeakKeyDictionary()

    def __init__(self, loop):
        self.loop = loop
        self.members = set()
        self.watch = False
        self.task = None

    @classmethod
    def join(cls, screen_id, slot, watch):
        loop = asyncio.get_running_loop()
        ticker = cls._by_loop.get(loop)
        if ticker is None:
            ticker = cls._by_loop[loop] = cls(loop)
        member = _Member(ticker, screen_id, slot)
        ticker.members.add(member)
        ticker.watch = ticker.watch or watch
        if ticker.task is None or ticker.task.done():
            # A context of its own: not the first stream's request, which may end long before.
            ticker.task = loop.create_task(ticker.run(), context=contextvars.Context())
            ticker.task.add_done_callback(_ticker_ended)
        return member

    async def run(self):
        try:
            await self._rounds()
        finally:
            # The next stream on this loop starts a new ticker; none is kept for a dead loop.
            if self._by_loop.get(self.loop) is self:
                del self._by_loop[self.loop]

    async def _rounds(self):
        now = self.loop.time()
        timing = _Timing()
        # The streams marked themselves connected and took their slots just now.
        next_watch, next_mark = now + timing.watch, now + timing.keepalive
        next_renew = now + streams.lease_seconds() / 3
        while self.members:
            timing, lease = _Timing(), streams.lease_seconds()
            now = self.loop.time()
            if self.watch and now >= next_watch:
                next_watch = now + timing.watch
                await _survive(_check_other_processes)
            if now >= next_mark:
                next_mark = now + timing.keepalive
                await _survive(_mark_all_connected, {m.screen_id for m in self.members})
            if now >= next_renew:
                next_renew = now + lease / 3
                sending = [m.slot for m in self.members if now - m.sent_at < lease]
                await _survive(streams.renew_all, sending)
            wake = min(next_mark, next_renew, next_watch if self.watch else next_mark)
            await asyncio.sleep(max(wake - self.loop.time(), 0.01))


async def _survive(function, *args):
    """One periodic round in a thread; a failure (the database or the cache away) is logged and
    the ticker goes on, so the streams get their next round when the service is back."""
    try:
        await sync_to_async(function)(*args)
    except Exception:  # noqa: BLE001 - see the docstring
        logger.warning("screens: a periodic round of the open streams failed", exc_info=True)


def _ticker_ended(task):
    if not task.cancelled() and task.exception() is not None:
        logger.error("screens: the streams' ticker failed", exc_info=task.exception())


def _mark_all_connected(screen_ids):
    at = int(time.time())
    cache.set_many({CONNECTED_KEY.format(i): at for i in screen_ids}, CONNECTED_TTL)


def _mark_disconnected_soon(hub, screen_id):
    # Runs while the stream is being cancelled (the client went away), where awaiting is unsafe;
    # the cache write goes to a thread and nobody waits for it.
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        _mark_disconnected(hub, screen_id)
        return
    loop.run_in_executor(None, _mark_disconnected, hub, screen_id)


def _stream(screen_id, broker, timing):
    import queue

    sub = broker.subscribe(screen_id)
    watch = _watches_other_processes(broker)
    try:
        broker.wait_ready()
        if watch:  # the baseline: a change from now on is one this stream must hear of
            versions.announce_foreign_change()
        _mark_connected(screen_id)
        yield _ready_frame(screen_id, timing.retry_ms)
        deadline = time.monotonic() + timing.lifetime
        quiet_until = time.monotonic() + timing.next_keepalive()
        while (left := deadline - time.monotonic()) > 0:
            wait = min(quiet_until - time.monotonic(), left, timing.watch if watch else left)
            try:
                event = sub.queue.get(timeout=max(wait, 0))
            except queue.Empty:
                if watch and _watch_due(timing):
                    versions.announce_foreign_change()
                if time.monotonic() >= quiet_until:
                    yield KEEPALIVE_FRAME
                    _mark_connected(screen_id)
                    quiet_until = time.monotonic() + timing.next_keepalive()
                continue
            yield _frame(event.kind, event.data_for(screen_id))
            quiet_until = time.monotonic() + timing.next_keepalive()
    finally:
        sub.close()
        _mark_disconnected(broker.hub, screen_id)


def _watches_other_processes(broker):
    # Through Redis every process's changes arrive as events already (``screens.push``).
    return isinstance(broker, push.LocalBroker)


_last_watch = {"at": float("-inf")}


def _watch_due(timing):
    """True for one stream of this process per watch period: however many streams are open,
    the shared content generation is checked (and a change announced) once."""
    now = time.monotonic()
    if now - _last_watch["at"] < timing.watch:
        return False
    _last_watch["at"] = now
    return True


def _check_other_processes():
    # Under ASGI each stream's sync calls get their own database connection: give it back.
    try:
        versions.announce_foreign_change()
    finally:
        _release_database()


def _release_database():
    """Close this request's database connections before it turns into a long stream.

    Under ASGI every request has its own connections (they follow the async context), and Django
    closes them only when the response ends: a thousand idle streams would otherwise hold a
    thousand database connections. (Not inside a transaction, as in tests, and not under WSGI,
    where the live server shares its thread's connection.)
    """
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def _unauthorized():
    response = JsonResponse({"detail": "需要有效的屏幕令牌或事件票据 (token or ticket required)"})
    response.status_code = 401
    response["WWW-Authenticate"] = 'Bearer realm="screens"'
    return response


@require_GET
async def events(request):
    screen = await sync_to_async(screen_for_request)(request)
    if screen is None:
        return _unauthorized()
    slot = await sync_to_async(streams.acquire)(screen.pk)
    if slot is None:
        return streams.refused()
    timing = _Timing()
    broker = push.get_broker()
    if isinstance(request, ASGIRequest):
        await sync_to_async(_release_database)()
        content = _astream(screen.pk, broker, timing, slot)
    else:
        content = _stream(screen.pk, broker, timing)
    content = streams.hold(slot, content)
    response = StreamingHttpResponse(content, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    # nginx would otherwise buffer the stream and deliver events late.
    response["X-Accel-Buffering"] = "no"
    return response
