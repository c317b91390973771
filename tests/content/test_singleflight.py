"""Concurrent cache misses on one key wait for one render (``content.singleflight``): a cold feed
read by many at once just after a change is rendered once, not once per reader."""

import threading
import time
import uuid

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client

from content import singleflight
from content.generation import bump_generation
from search import catalogue
from tests.content.factories import ArticlePageFactory

READERS = 12


def at_once(function, count=READERS):
    """Run ``function()`` in ``count`` threads released together; their results, in order."""
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def run(index):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def slow_counting_render(calls, seconds=0.3):
    lock = threading.Lock()

    def render():
        with lock:
            calls.append(1)
        time.sleep(seconds)
        return f"rendered-{len(calls)}"

    return render


def test_concurrent_misses_on_one_key_render_once():
    key, calls = f"test:singleflight:{uuid.uuid4().hex}", []
    render = slow_counting_render(calls)

    results = at_once(lambda: singleflight.get_or_render(key, render, 60))

    assert len(calls) == 1
    assert results == ["rendered-1"] * READERS
    assert cache.get(key) == "rendered-1"
    assert not singleflight._locks._locks  # no lock left behind


def test_without_the_lock_every_miss_renders(settings):
    settings.CACHE_STAMPEDE_LOCK = False
    key, calls = f"test:singleflight:{uuid.uuid4().hex}", []

    at_once(lambda: singleflight.get_or_render(key, slow_counting_render(calls), 60))

    assert len(calls) == READERS


def test_a_failed_render_lets_the_next_reader_render():
    key = f"test:singleflight:{uuid.uuid4().hex}"

    def broken():
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        singleflight.get_or_render(key, broken, 60)
    assert singleflight.get_or_render(key, lambda: "fine", 60) == "fine"
    assert cache.get(f"{key}:rendering") is None


def test_a_reader_takes_the_value_another_process_is_rendering():
    key = f"test:singleflight:{uuid.uuid4().hex}"
    cache.add(f"{key}:rendering", "another-process", singleflight.LOCK_SECONDS)
    threading.Timer(0.3, lambda: cache.set(key, "theirs", 60)).start()

    started = time.monotonic()
    value = singleflight.get_or_render(key, lambda: "mine", 60)

    assert value == "theirs"
    assert time.monotonic() - started < 2


def test_a_reader_renders_itself_when_the_other_renderer_dies():
    key = f"test:singleflight:{uuid.uuid4().hex}"
    cache.add(f"{key}:rendering", "another-process", singleflight.LOCK_SECONDS)
    threading.Timer(0.3, lambda: cache.delete(f"{key}:rendering")).start()

    started = time.monotonic()
    value = singleflight.get_or_render(key, lambda: "mine", 60)

    assert value == "mine"
    assert time.monotonic() - started < singleflight.WAIT_SECONDS


@pytest.mark.django_db(transaction=True)
def test_a_cold_feed_read_by_many_at_once_is_rendered_once(site_tree, monkeypatch):
    import feeds.views

    for number in range(5):
        ArticlePageFactory(title=f"科普文章{number}")
    calls = []
    original = feeds.views.describe_all

    def counting(*args, **kwargs):
        calls.append(1)
        time.sleep(0.2)  # a render slow enough for the readers to overlap
        return original(*args, **kwargs)

    monkeypatch.setattr(feeds.views, "describe_all", counting)
    bump_generation()  # just after a change: nothing of this feed is cached

    responses = at_once(lambda: Client().get("/feeds/rss/?audience=public"))

    assert [response.status_code for response in responses] == [200] * READERS
    assert len({response.content for response in responses}) == 1
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_searches_after_a_change_build_the_catalogue_once(site_tree, monkeypatch):
    ArticlePageFactory(title="科普文章")
    builds = []
    original = catalogue.build_catalogue

    def counting(generation):
        builds.append(generation)
        time.sleep(0.2)
        return original(generation)

    monkeypatch.setattr(catalogue, "build_catalogue", counting)
    bump_generation()

    found = at_once(catalogue.get_catalogue)

    assert len(builds) == 1
    assert all(result is found[0] for result in found)
