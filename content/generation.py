"""The content generation: a token replaced whenever public content may change.

Anything derived only from content (rendered card lists, filter choices, the main navigation,
routing results, a page's rendered body, feed validators, the search catalogue, screen
manifests) can be cached under the current generation and is simply never read again once the
generation moves on; nothing has to be deleted.

The token has two parts, ``<shared>-<local>``:

- The *shared* part is a counter in the database (``ContentGeneration``, one row), raised after
  every committed content change. The database is there in every configuration, so every process
  on it sees a change made by any other (``manage.py import_content`` while the server runs, a
  shell, a second worker) within ``CONTENT_GENERATION_CHECK_SECONDS`` (1 s): each process reads
  the row at most once per that period and remembers it in between, so a cached 304 costs no
  query within the second and at most one cheap one per second per process. The counter only
  grows (to at least the current time in microseconds), so a row recreated after a flush or
  restored from a backup still moves past what any process remembers. The raised value is also
  mirrored in the cache: with Redis (``REDIS_URL``) every process sharing it sees the change at
  once, and the database stays the source of truth (a lost Redis key costs nothing).
- The *local* part lives in the cache only (per process with the local-memory cache, shared with
  Redis) and is replaced at once, inside the transaction that changes content, so that this
  process stops reusing fragments before the commit. The shared part moves again after the
  commit, so a reader that re-renders between the save and the commit cannot leave a stale
  fragment behind under the final token.

The token changes with every content change ``content.changes`` records (publish, unpublish,
move, delete and direct saves of pages, and saves/deletes of what pages show or are filtered
by): the local part as each row is written, the shared part when the transaction commits, just
before ``content_changed`` is sent. The caches keyed on it are listed in ``content.caching``.

Scheduled expiry (``expire_at``) passes without a signal until the worker unpublishes the page
(``content.scheduling``, every ``PUBLISH_SCHEDULED_SECONDS``), so cached fragments also carry a
timeout (``FRAGMENT_TIMEOUT``): an expired page disappears from listings within that time even
where the worker's change does not reach this process's cache.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import BigIntegerField, F, Value
from django.db.models.functions import Greatest

logger = logging.getLogger(__name__)

# The local part (see the module docstring).
GENERATION_KEY = "content:generation"
# The shared part as last raised by a process sharing this cache.
SHARED_KEY = "content:generation:shared"
# How long a fragment may live even without a change signal (see the module docstring).
FRAGMENT_TIMEOUT = 300
# Memo attribute on the request: one cache read per request however many fragments it uses.
_REQUEST_ATTRIBUTE = "_content_generation"
ROW = 1


def check_seconds():
    """How long this process trusts its memory of the shared counter before reading the row."""
    return float(getattr(settings, "CONTENT_GENERATION_CHECK_SECONDS", 1.0))


class _Shared:
    """This process's memory of the shared counter."""

    def __init__(self):
        self.lock = threading.Lock()
        self.value = None  # last value read or written
        self.checked = float("-inf")  # time.monotonic() of that
        self.local = None  # last value this process raised it to

    def remember(self, value, local=False):
        with self.lock:
            self.value = value
            self.checked = time.monotonic()
            if local:
                self.local = value


_shared = _Shared()


def shared_counter():
    """The shared counter, read from the database at most once per ``check_seconds()``.

    A failed read (database down, table not migrated yet) keeps the remembered value, so cached
    pages and 304s go on being served, and is retried after the same period."""
    if time.monotonic() - _shared.checked < check_seconds():
        return _shared.value or 0
    with _shared.lock:
        # Another thread may have read it while this one waited.
        if time.monotonic() - _shared.checked >= check_seconds():
            try:
                _shared.value = _read_counter()
            except DatabaseError:
                logger.warning("content generation: could not read the shared counter")
            _shared.checked = time.monotonic()
        return _shared.value or 0


def shared_state():
    """(the shared counter, the last value this process raised it to)."""
    return shared_counter(), _shared.local


def _read_counter():
    from .models import ContentGeneration

    return ContentGeneration.objects.filter(pk=ROW).values_list("counter", flat=True).first()


def _compose(local, mirrored):
    shared = max(shared_counter(), mirrored or 0)
    return f"{shared:x}-{local}"


def generation_from_cache(found):
    """The token from a ``cache.get_many`` result that included ``GENERATION_KEY`` and
    ``SHARED_KEY``, for callers that fetch other keys in the same round trip; None when the
    local part is missing (then ``current_generation()`` refills it)."""
    local = found.get(GENERATION_KEY)
    if local is None:
        return None
    return _compose(local, found.get(SHARED_KEY))


def current_generation(request=None):
    """The current token; with a request, read once and remembered for that request."""
    if request is not None:
        token = getattr(request, _REQUEST_ATTRIBUTE, None)
        if token is not None:
            return token
    found = cache.get_many([GENERATION_KEY, SHARED_KEY])
    local = found.get(GENERATION_KEY)
    if local is None:
        local = _new_local()
        # add(): two processes starting cold agree on one token.
        if not cache.add(GENERATION_KEY, local, timeout=None):
            local = cache.get(GENERATION_KEY) or local
    token = _compose(local, found.get(SHARED_KEY))
    if request is not None:
        setattr(request, _REQUEST_ATTRIBUTE, token)
    return token


def _new_local():
    return f"{time.time_ns():x}"


def bump_generation():
    """Replace the local part: this process (and those sharing its Redis) stop reusing what was
    cached; other processes on the local-memory cache learn of it only from
    ``publish_generation``, after commit."""
    cache.set(GENERATION_KEY, _new_local(), timeout=None)


def publish_generation():
    """A content change was committed: raise the shared counter so every process moves on."""
    value = _raise_counter()
    if value is None:
        # Without the database only the cache can carry the change.
        bump_generation()
        return
    _shared.remember(value, local=True)
    cache.set(SHARED_KEY, value, timeout=None)


def _raise_counter():
    from .models import ContentGeneration

    rows = ContentGeneration.objects.filter(pk=ROW)
    floor = Value(time.time_ns() // 1000, output_field=BigIntegerField())
    try:
        # A savepoint when called inside a transaction, so a failure here spoils nothing else.
        with transaction.atomic():
            if not rows.update(counter=Greatest(F("counter") + 1, floor)):
                # The row is gone (a flushed database); bulk_create sends no signal.
                ContentGeneration.objects.bulk_create(
                    [ContentGeneration(pk=ROW, counter=floor.value)], ignore_conflicts=True
                )
            return rows.values_list("counter", flat=True).first()
    except DatabaseError as error:
        if _table_missing():
            # Migrations that seed content run before the table exists; nothing reads it yet.
            logger.debug("content generation: no shared counter table yet")
        else:
            logger.warning("content generation: could not raise the shared counter: %s", error)
        return None


def _table_missing():
    from .models import ContentGeneration

    try:
        connection = connections[DEFAULT_DB_ALIAS]
        return ContentGeneration._meta.db_table not in connection.introspection.table_names()
    except DatabaseError:
        return False
