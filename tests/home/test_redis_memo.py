"""With Redis, a cached page answers its generation-keyed parts from the process (content.memo).

Counted on the Redis server itself: before the memo every cached page made a round trip for each
fragment, the site and the restriction check.
"""

import pytest
import redis

from content import memo
from tests.content.factories import ArticlePageFactory, publish

pytestmark = pytest.mark.django_db


def commands_processed(server):
    return redis.Redis.from_url(server.url).info("stats")["total_commands_processed"]


@pytest.fixture
def memo_on_own_redis(site_on_own_redis):
    memo.forget_all()
    yield site_on_own_redis
    memo.forget_all()


def test_a_cached_page_reads_only_the_generation_from_redis(client, memo_on_own_redis, site_tree):
    publish(ArticlePageFactory(title="用电安全", audiences=["public"]))
    assert memo.enabled()
    for url in ("/", "/kepu/"):
        assert client.get(url).status_code == 200  # warm
        before = commands_processed(memo_on_own_redis)
        for _ in range(10):
            assert client.get(url).status_code == 200
        # The counting call is a command of its own. What is left is the generation (an MGET of
        # two keys; a listing reads it once more for its query): 2 and 3 here, 7 and 8 before.
        per_request = (commands_processed(memo_on_own_redis) - before - 1) / 10
        assert per_request < 4, f"{url}: {per_request} Redis commands per cached request"


def test_a_content_change_is_seen_at_once_through_the_memo(client, memo_on_own_redis, site_tree):
    publish(ArticlePageFactory(title="用电安全", audiences=["public"]))
    assert "草原防火知识" not in client.get("/kepu/").content.decode()
    publish(ArticlePageFactory(title="草原防火知识", audiences=["public"]))
    assert "草原防火知识" in client.get("/kepu/").content.decode()


def test_each_reader_gets_its_own_copy_and_the_memory_is_bounded(memo_on_own_redis):
    memo.set("content:fragment:test-dict", {"count": 1}, 60)
    memo.get("content:fragment:test-dict")["count"] = 2
    assert memo.get("content:fragment:test-dict") == {"count": 1}

    for n in range(memo.MEMO_ENTRIES + 10):
        memo.set(f"content:fragment:test-{n}", n, 60)
    assert len(memo._entries) == memo.MEMO_ENTRIES
    # The oldest left the process but is still in Redis.
    assert memo._recall("content:fragment:test-0") is memo.MISSING
    assert memo.get("content:fragment:test-0") == 0


def test_long_strings_and_the_in_process_cache_are_not_doubled(memo_on_own_redis, settings):
    memo.set("content:fragment:long", "长" * (memo.LONGEST_KEPT + 1), 60)
    assert memo._recall("content:fragment:long") is memo.MISSING
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not memo.enabled()
