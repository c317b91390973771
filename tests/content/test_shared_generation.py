"""The content generation is shared by every process on the database (``content.generation``):
a change committed by another process (``manage.py import_content`` while the server runs)
reaches search and the screens' event streams within two seconds, in the embedded default too,
and the cached 304 paths pay for it with at most one cheap query per second per process."""

import asyncio
import http.client
import json
import os
import queue
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext

from content import generation
from screens.provisioning import provision
from tests.content.factories import ArticlePageFactory

ROOT = Path(__file__).resolve().parents[2]
WITHIN = 2.0


@pytest.fixture
def check_every_second(settings):
    settings.CONTENT_GENERATION_CHECK_SECONDS = 1.0


def database_url():
    config = connection.settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    user = config["USER"] or "postgres"
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    return f"postgres://{user}{password}@{config['HOST']}:{config['PORT'] or 5432}/{config['NAME']}"


def manage_in_another_process(*args):
    """Run ``manage.py *args`` as its own process on the test database; it must succeed."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kepuqingcheng.settings.test",
        "DATABASE_URL": database_url(),
    }
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def import_in_another_process(tmp_path, *lines):
    """Run ``manage.py import_content`` as its own process on the test database."""
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    done = manage_in_another_process("import_content", str(export))
    assert "created 1" in done.stdout
    return time.monotonic()


def line(kind, external_id, title, **extra):
    return {
        "external_id": external_id,
        "source": "命令行导入",
        "type": kind,
        "title": title,
        "summary": "另一个进程导入的科普内容",
        "body": "<p>正文</p>",
        "audiences": ["public"],
        "topics": ["健康生活"],
        "regions": ["150102"],
        "published_at": "2026-05-01T08:00:00+08:00",
        **extra,
    }


def search_titles(base, query):
    parts = urlsplit(base)
    client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    client.request("GET", f"/api/v1/search?q={quote(query)}")
    response = client.getresponse()
    body = response.read()
    assert response.status == 200, body[:500]
    return [result["title"] for result in json.loads(body)["results"]]


def test_the_shared_generation_costs_a_cached_304_at_most_one_query_per_second(
    client, site_tree, check_every_second
):
    ArticlePageFactory(title="科学养生")
    first = client.get("/feeds/rss/")
    etag = first["ETag"]
    generation._shared.checked = float("-inf")
    generation.shared_counter()  # read now: the next second is on the memo
    with CaptureQueriesContext(connection) as within_the_second:
        assert client.get("/feeds/rss/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    time.sleep(1.1)
    with CaptureQueriesContext(connection) as a_second_later:
        assert client.get("/feeds/rss/", HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert client.get("/feeds/rss/", HTTP_IF_NONE_MATCH=etag).status_code == 304

    assert len(within_the_second) == 0
    assert [query["sql"] for query in a_second_later] == [
        query["sql"] for query in a_second_later if "content_contentgeneration" in query["sql"]
    ]
    assert len(a_second_later) == 1


@pytest.mark.django_db(transaction=True)
def test_an_article_imported_by_another_process_is_found_within_two_seconds(
    live_server, site_tree, check_every_second, tmp_path
):
    assert search_titles(live_server.url, "青城沙尘") == []  # the server holds its catalogue

    imported_at = import_in_another_process(
        tmp_path, line("article", "shared-1", "青城沙尘天气的健康提示")
    )

    while (titles := search_titles(live_server.url, "青城沙尘")) == []:
        assert time.monotonic() - imported_at < WITHIN, "the import is not searchable yet"
        time.sleep(0.1)
    assert titles == ["青城沙尘天气的健康提示"]


def read_events(response, into):
    """Put each SSE event name the stream sends into ``into`` until the stream ends."""
    try:
        while raw := response.readline():
            text = raw.decode()
            if text.startswith("event: "):
                into.put((text.removeprefix("event: ").strip(), time.monotonic()))
    except OSError:
        pass


@pytest.mark.django_db(transaction=True)
def test_an_emergency_explainer_imported_by_another_process_reaches_an_open_stream(
    live_server, site_tree, check_every_second, settings, tmp_path
):
    settings.SCREENS_EVENTS_KEEPALIVE_SECONDS = 1
    settings.SCREENS_EVENTS_MAX_SECONDS = 60
    _screen, token = provision("中山路广场屏", "150102", "square")
    parts = urlsplit(live_server.url)
    stream = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    stream.request("GET", "/api/v1/screens/events", headers={"Authorization": f"Bearer {token}"})
    response = stream.getresponse()
    assert response.status == 200
    events = queue.Queue()
    reader = threading.Thread(target=read_events, args=(response, events), daemon=True)
    reader.start()
    assert events.get(timeout=10)[0] == "ready"

    imported_at = import_in_another_process(
        tmp_path,
        line(
            "emergency",
            "shared-e1",
            "沙尘暴来了怎么办",
            hazard="sandstorm",
            phase="during",
            actions=["关好门窗", "减少外出", "戴口罩"],
        ),
    )

    try:
        kinds = []
        while "manifest" not in kinds:
            left = imported_at + WITHIN - time.monotonic()
            try:
                kinds.append(events.get(timeout=max(left, 0.01))[0])
            except queue.Empty:
                pytest.fail(f"no manifest event within {WITHIN} s of the import; heard {kinds}")
    finally:
        stream.close()
        reader.join(timeout=5)


@pytest.mark.django_db(transaction=True)
def test_under_asgi_an_open_stream_hears_an_import_by_another_process(
    site_tree, check_every_second, settings, tmp_path
):
    settings.SCREENS_EVENTS_KEEPALIVE_SECONDS = 1
    settings.SCREENS_EVENTS_MAX_SECONDS = 60
    _screen, token = provision("新华广场屏", "150102", "square")

    async def run():
        response = await AsyncClient().get(
            "/api/v1/screens/events", headers={"Authorization": f"Bearer {token}"}
        )
        frames = aiter(response.streaming_content)
        assert b"event: ready" in await anext(frames)
        reading = asyncio.ensure_future(first_manifest(frames))
        imported_at = await asyncio.to_thread(
            import_in_another_process, tmp_path, line("article", "shared-a2", "青城科普")
        )
        heard_at = await asyncio.wait_for(reading, WITHIN + 1)
        await frames.aclose()
        # Sync parts ran on asgiref's shared thread: leave no connection open there.
        await sync_to_async(connections.close_all)()
        return heard_at - imported_at

    # A loop of its own in another thread: after the browser tests, Playwright keeps one
    # running on this thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, run()).result() < WITHIN


async def first_manifest(frames):
    async for frame in frames:
        if frame.startswith(b"event: manifest"):
            return time.monotonic()
    return None
