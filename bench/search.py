"""Search benchmark: relevance and speed of our backend against stock Wagtail, side by side.

    .venv/bin/python bench/search.py            # SQLite, plus PostgreSQL if it answers
    BENCH_SIZE=tiny .venv/bin/python bench/search.py   # a small corpus: seconds, no figures

Relevance, on each database: the demo knowledge base (content/demo/demo.jsonl, through
`load_demo`) and a judged set of queries, each written for one page (its intended best answer):
two-character words inside longer runs, words found only in a video transcript, a comic panel or
an emergency action line, place names, multi-word queries and filters. hit@1 asks whether the
intended page comes first; recall@10 is the share of the relevant pages (every page whose indexed
text contains all the query's words, within the filters) found in the first ten, capped at ten.

Speed: 20,000 generated articles inserted in bulk (not through page publishing), indexed once by
our backend and once by stock (in batches of 2,000; on PostgreSQL followed by VACUUM ANALYZE, as
autovacuum would do); median and p95 latency of the first ten results plus the count (the
search page also counts facets, from memory: search.catalogue) over 30 queries x 3 rounds
after a warm-up, on SQLite and on PostgreSQL.

Each database runs in a child process (Django has one database configuration per process), on a
throw-away test database.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import TINY, copy_migrated, sized

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/searcher_bench")
CORPUS_SIZE = sized(20_000, 200)
SPEED_ROUNDS = sized(3, 1)  # timed rounds over every speed query, after one warm-up round
WARM_UP_QUERIES = sized(10, 2)  # the warm-up round: jieba, caches and the database's buffers
INDEX_BATCH = sized(2000, 100)

# (query, filters, external id of the page the query was written for)
JUDGED = [
    # two-character (or longer) words inside longer runs of a title
    ("空气质量", {}, "demo-002"),
    ("晚疫病", {}, "demo-004"),
    ("应激", {}, "demo-005"),
    ("网络谣言", {}, "demo-008"),
    ("医保", {}, "demo-010"),
    ("节能", {}, "demo-013"),
    ("垃圾分类", {}, "demo-014"),
    ("有限空间", {}, "demo-015"),
    ("尘肺", {}, "demo-016"),
    ("噪声", {}, "demo-017"),
    ("动火", {}, "demo-018"),
    ("物候", {}, "demo-019"),
    ("节气", {}, "demo-021"),
    ("盐碱", {}, "demo-025"),
    ("人工智能", {}, "demo-027"),
    ("光伏", {}, "demo-034"),
    ("天眼", {}, "demo-037"),
    ("青贮", {}, "demo-038"),
    ("惊蛰", {}, "demo-039"),
    ("心肺复苏", {}, "demo-035"),
    # only in a video transcript
    ("西伯利亚", {}, "demo-028"),
    ("血红蛋白", {}, "demo-029"),
    ("波束", {}, "demo-030"),
    ("高锰酸钾", {}, "demo-031"),
    ("鼻夹", {}, "demo-032"),
    ("屏幕共享", {}, "demo-033"),
    ("亚硝酸盐", {}, "demo-036"),
    ("脉冲星", {}, "demo-037"),
    ("乳酸菌", {}, "demo-038"),
    # only in a comic panel
    ("公证费", {}, "demo-040"),
    ("高频听力", {}, "demo-042"),
    ("排气管", {}, "demo-043"),
    ("陈醋", {}, "demo-044"),
    ("机顶盒", {}, "demo-045"),
    ("专家号", {}, "demo-046"),
    ("屠呦呦", {}, "demo-047"),
    ("热力图", {}, "demo-049"),
    ("帽带", {}, "demo-048"),
    # only in an emergency action line
    ("护目镜", {}, "demo-050"),
    ("报警器", {}, "demo-053"),
    ("抢修电话", {}, "demo-054"),
    ("烧荒", {}, "demo-055"),
    ("漫水路", {}, "demo-059"),
    ("铁塔", {}, "demo-062"),
    # place names (title words and region names) with a topic word
    ("托克托", {}, "demo-026"),
    ("武川 晚疫病", {}, "demo-004"),
    ("和林格尔 奶牛", {}, "demo-005"),
    ("土默特左旗 蒙古包", {}, "demo-022"),
    ("赛罕区 人工智能", {}, "demo-027"),
    # multi-word queries
    ("草原 逃生", {}, "demo-056"),
    ("煤炉 一氧化碳", {}, "demo-053"),
    ("奶奶 手机 挂号", {}, "demo-046"),
    # filters
    ("口罩", {"kinds": ["emergency"]}, "demo-050"),
    ("谣言", {"kinds": ["comic"]}, "demo-044"),
    ("沙尘", {"kinds": ["video"]}, "demo-028"),
    ("地震", {"regions": ["150105"]}, "demo-058"),
]

SPEED_QUERIES = [
    "沙尘",
    "防火",
    "一氧化碳中毒",
    "呼和浩特",
    "手机",
    "草原 防火",
    "冬季 取暖",
    "诈骗",
    "科学",
    "马铃薯",
    "5G",
    "口罩",
    "地震 逃生",
    "数据",
    "节能 减排",
    "高温 中暑",
    "晚疫病",
    "传感器",
    "青少年",
    "新城区",
    "垃圾分类",
    "心肺复苏",
    "光伏",
    "人工智能",
    "食品安全",
    "暴雪 出行",
    "电信诈骗",
    "老年人 手机",
    "沙尘暴",
    "疫苗",
]


# ---------------------------------------------------------------- child process


def _setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "kepuqingcheng.settings.test"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.conf import settings
    from django.test.utils import setup_databases

    # A SQLite test database migrated earlier in this run of the benches (harness.BENCH_CACHE)
    # is kept instead of migrating again.
    test_name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    keepdb = bool(test_name) and database_url.startswith("sqlite") and copy_migrated(test_name)
    setup_databases(verbosity=0, interactive=False, keepdb=keepdb)


def _backends():
    from modelsearch.backends import get_search_backend

    ours = get_search_backend("default")
    stock = get_search_backend("wagtail.search.backends.database")
    return {"ours": ours, "stock": stock}


def _first_ten(name, backend, query, params):
    """(the first ten results as pages, the count) as the search page asks them: ours through
    the explicit ``search_ids`` with the catalogue's allowed pks (then the ten pages by pk),
    stock through Wagtail's search API over the same pages as a queryset."""
    from wagtail.models import Page

    from search.service import allowed_ids, candidates

    if name == "ours":
        hits = backend.search_ids(query, allowed_ids(params), limit=10)
        found = Page.objects.in_bulk(hits.ranked_ids)
        return [found[pk] for pk in hits.ranked_ids if pk in found], hits.count
    results = backend.search(query, candidates(params))
    return list(results[:10]), results.count()


def _reindex(backend, models, batch=INDEX_BATCH):
    from django.db import connection
    from wagtail.search.models import IndexEntry

    from search.models import Posting

    IndexEntry.objects.all().delete()
    started = time.perf_counter()
    for model in models:
        pks = list(model.objects.values_list("pk", flat=True).order_by("pk"))
        for start in range(0, len(pks), batch):
            # taxonomy prefetched for both backends alike: otherwise most of the indexing time
            # is spent on per-object relation queries, which measures nothing about search
            objects = list(
                model.get_indexed_objects()
                .filter(pk__in=pks[start : start + batch])
                .prefetch_related("tags", "audiences", "regions")
            )
            backend.add_bulk(model, objects)
    elapsed = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: merge the GIN indexes' pending lists,
        # mark the word index's pages all-visible (for index-only scans) and refresh the
        # planner's statistics (for both backends alike).
        with connection.cursor() as cursor:
            for model in (IndexEntry, Posting):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return elapsed


def _page_text(page):
    from search.analysis import normalize

    parts = [page.title, page.summary]
    parts += [str(text) for text in page.body.stream_block.get_searchable_content(page.body)]
    parts += [getattr(page, "transcript", ""), getattr(page, "actions", "")]
    if hasattr(page, "panels"):
        parts += [f"{panel.text} {panel.alt}" for panel in page.panels.all()]
    parts += [tag.name for tag in page.tags.all()]
    parts += [audience.name for audience in page.audiences.all()]
    parts += [region.name for region in page.regions.all()]
    return normalize(" ".join(part for part in parts if part))


def relevance_worker(database_url):
    _setup(database_url)
    from django.core.management import call_command
    from wagtail.models import Page

    from content.models import CONTENT_PAGE_MODELS
    from search.analysis import normalize
    from search.service import SearchParams, candidates

    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    pages = list(Page.objects.type(*CONTENT_PAGE_MODELS).live().specific())
    text = {page.pk: _page_text(page) for page in pages}
    external = {page.pk: page.external_id for page in pages}
    out = {"pages": len(pages), "queries": len(JUDGED)}
    for name, backend in _backends().items():
        _reindex(backend, CONTENT_PAGE_MODELS)
        hits, recalls, misses = 0, [], []
        for query, filters, target in JUDGED:
            params = SearchParams(q=query, **filters)
            allowed = set(candidates(params).values_list("pk", flat=True))
            words = normalize(query).split()
            relevant = {pk for pk in allowed if all(word in text[pk] for word in words)}
            top = [page.pk for page in _first_ten(name, backend, query, params)[0]]
            first = external.get(top[0]) if top else None
            hits += first == target
            recall = len(relevant & set(top)) / min(len(relevant), 10) if relevant else 1.0
            recalls.append(recall)
            if first != target:
                misses.append(query)
        out[name] = {
            "hit@1": hits / len(JUDGED),
            "recall@10": statistics.mean(recalls),
            "missed@1": misses,
        }
    print(json.dumps(out))


def _generate_corpus(count):
    """Articles made of sentences from the demo texts, inserted in bulk under the content
    section: page rows with computed tree paths, then the article rows."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from wagtail.models import Page

    from content.models import ArticlePage
    from content.structure import ensure_sections

    sentences, words = [], []
    for line in (ROOT / "content/demo/demo.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for field in ("summary", "transcript"):
            sentences += [s for s in row.get(field, "").split("。") if len(s) > 6]
        words.append(row["title"][:6])
    rng = random.Random(20260501)
    section = ensure_sections()[0]
    content_type = ContentType.objects.get_for_model(ArticlePage)
    start = section.numchild + 1
    steplen = Page.steplen
    now = timezone.now()
    page_rows, article_rows = [], []
    for n in range(count):
        title = f"{rng.choice(words)}{rng.choice(words)}第{n}期"
        slug = f"gen-{n}"
        page_rows.append(
            Page(
                title=title,
                draft_title=title,
                slug=slug,
                content_type=content_type,
                path=section.path + Page._int2str(start + n).rjust(steplen, "0"),
                depth=section.depth + 1,
                numchild=0,
                url_path=f"{section.url_path}{slug}/",
                live=True,
                first_published_at=now,
                last_published_at=now,
                locale_id=section.locale_id,
            )
        )
    Page.objects.bulk_create(page_rows, batch_size=2000)
    Page.objects.filter(pk=section.pk).update(numchild=section.numchild + count)
    created = Page.objects.filter(slug__startswith="gen-", depth=section.depth + 1)
    for page in created.order_by("pk"):
        body = "。".join(rng.sample(sentences, 2)) + "。"
        article = ArticlePage(
            page_ptr_id=page.pk,
            summary="。".join(rng.sample(sentences, 1))[:290],
            body=[("paragraph", f"<p>{body}</p>")],
            source="bench",
            external_id=f"gen-{page.pk}",
            reviewed_by="bench",  # public content carries a review record (content.queries)
        )
        article_rows.append(article)
    fields = ArticlePage._meta.local_concrete_fields
    for begin in range(0, len(article_rows), 1000):
        ArticlePage.objects._insert(article_rows[begin : begin + 1000], fields=fields)


def _timed_search(name, backend, query):
    """Seconds for what the search page asks of the backend: the first ten results and the
    count, over live content."""
    from search.service import SearchParams

    started = time.perf_counter()
    top, count = _first_ten(name, backend, query, SearchParams())
    return time.perf_counter() - started, bool(top) and count > 0


def speed_worker(database_url):
    _setup(database_url)
    from django.db import connection

    from content.models import CONTENT_PAGE_MODELS

    _generate_corpus(CORPUS_SIZE)  # one corpus per database, indexed by each backend in turn
    if connection.vendor == "postgresql":
        # planner statistics for the bulk-inserted pages, as autovacuum would gather them
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    out = {}
    for name, backend in _backends().items():
        indexing = _reindex(backend, CONTENT_PAGE_MODELS)
        for query in SPEED_QUERIES[:WARM_UP_QUERIES]:
            _timed_search(name, backend, query)
        latencies, found = [], set()
        for _round in range(SPEED_ROUNDS):
            for query in SPEED_QUERIES:
                elapsed, hit = _timed_search(name, backend, query)
                latencies.append(elapsed * 1000)
                if hit:
                    found.add(query)
        latencies.sort()
        out[name] = {
            "median_ms": statistics.median(latencies),
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
            "index_s": indexing,
            "queries_with_hits": len(found),
        }
    print(json.dumps(out))


# ---------------------------------------------------------------- parent process


def _start(worker, database_url):
    return subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, __file__, worker, database_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def _result(process, what):
    stdout, stderr = process.communicate()
    if process.returncode:
        sys.stderr.write(stderr[-3000:])
        raise SystemExit(f"{what} failed")
    return json.loads(stdout.strip().splitlines()[-1])


def _postgres_available():
    try:
        import psycopg

        psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
    except Exception:  # noqa: BLE001 - any failure means "not available here"
        return False
    return True


def main():
    started = time.perf_counter()
    databases = {"SQLite": "sqlite:///bench-search.sqlite3"}
    if TINY:
        # The same code on either database: at the tiny size, one is enough to notice a break.
        print("tiny size: SQLite only")
    elif _postgres_available():
        databases["PostgreSQL"] = PG_URL
    else:
        print(f"PostgreSQL at {PG_URL} does not answer: SQLite only")

    # The relevance runs (64 pages, light) go in parallel with the first speed run's corpus
    # generation; the speed runs go one after the other, so that no two processes time
    # queries while the other one loads a corpus or builds an index on the same CPUs.
    labels = list(databases)
    speed_runs = {labels[0]: _start("speed", databases[labels[0]])}
    for label in labels:
        relevance = _result(_start("relevance", databases[label]), f"relevance on {label}")
        print(
            f"Relevance on {label} — {relevance['queries']} judged queries over "
            f"{relevance['pages']} demo pages"
        )
        print(f"{'':14}{'ours':>10}{'stock':>10}")
        for metric in ("hit@1", "recall@10"):
            ours, stock = relevance["ours"][metric], relevance["stock"][metric]
            print(f"{metric:14}{ours:>10.3f}{stock:>10.3f}")
        print(f"ours missed first place on: {', '.join(relevance['ours']['missed@1']) or 'none'}")
        target = relevance["ours"]["recall@10"] >= 0.95
        print(f"target recall@10 >= 0.95: {'met' if target else 'NOT met'}\n")

    print(
        f"Speed — {CORPUS_SIZE:,} generated articles + demo, "
        f"{len(SPEED_QUERIES)} queries x {SPEED_ROUNDS} rounds"
    )
    header = f"{'database':12}{'backend':8}{'median ms':>11}{'p95 ms':>9}{'index s':>9}{'hits':>6}"
    print(header)
    for label in labels:
        process = speed_runs.get(label) or _start("speed", databases[label])
        speed = _result(process, f"speed on {label}")
        for name in ("ours", "stock"):
            row = speed[name]
            print(
                f"{label:12}{name:8}{row['median_ms']:>11.1f}{row['p95_ms']:>9.1f}"
                f"{row['index_s']:>9.1f}{row['queries_with_hits']:>6}"
            )
        ratio = speed["ours"]["p95_ms"] / max(speed["stock"]["p95_ms"], 0.001)
        median_ratio = speed["ours"]["median_ms"] / max(speed["stock"]["median_ms"], 0.001)
        ok = speed["ours"]["p95_ms"] <= 100 and ratio <= 2
        print(
            f"{label:12}ours/stock: median {median_ratio:.2f}x, p95 {ratio:.2f}x; "
            f"target p95 <= 100 ms and <= 2x stock: {'met' if ok else 'NOT met'}"
        )
    print(f"\n(bench took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in {"relevance", "speed"}:
        {"relevance": relevance_worker, "speed": speed_worker}[sys.argv[1]](sys.argv[2])
    else:
        main()
