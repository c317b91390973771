"""Knowledge-base import speed: this tree's importer against a baseline commit's, side by side.

Generates a JSONL of all four content types (reusing a handful of the demo media files, as a
real export reuses its artwork), then for each database — SQLite, and PostgreSQL when a server
answers (``BENCH_POSTGRES_URL``, default the local one; the bench creates and drops its own
databases ``kepu_bench_import*``) — runs ``manage.py import_content`` as a subprocess into a
freshly migrated database twice: the first import and a re-import of the same file, which must
report every line unchanged. Each is run by the baseline's code (``--baseline``, by default the
last commit with the single-module importer, unpacked from git into a temporary folder) and by
this tree's, in turn, and printed side by side with the ratio.

    .venv/bin/python bench/import_content.py [--lines 1000] [--baseline REF] [--no-postgres]

Measured with ``--lines 200`` against baseline 75f2181, every figure including process start-up
(about 1.3 s), on a shared 2-core machine. The first table is the split importer with batched
commits; the second adds the per-line cuts found by counting queries per written line (about
85 -> 57: no site-root, locale, workflow, alias or previous-revision lookups for a page created
in the line, its first revision written without a save of the page row in between, its clearance
inserted without update_or_create and not looked up again by the publish, the sections fetched
once per run). That run shared the machine with other work (load average 1.8-2.3):

    batches only (quiet)   run            baseline lines/s  this tree lines/s  speed-up wall   CPU
    SQLite                 first import   23.6              28.6               1.21x           1.27x
    SQLite                 re-import      130.9             133.4              1.02x           1.01x
    PostgreSQL             first import   14.2              17.4               1.23x           1.24x
    PostgreSQL             re-import      134.8             136.5              1.01x           1.01x
    per-line cuts (some load)
    SQLite                 first import   24.4              39.2               1.61x           1.69x
    SQLite                 re-import      139.3             135.5              0.97x           0.97x
    PostgreSQL             first import   13.9              23.9               1.72x           1.78x
    PostgreSQL             re-import      134.5             130.7              0.97x           0.97x

Without the start-up, first imports are about 1.8x faster on both. A re-import of 200 unchanged
lines takes about 1.5 s, nearly all of it start-up, in both trees, and its ratio is noise (a
SQLite-only run right after gave 1.05x). The issue's target (3x on both) is not reached. Per
written line what remains is Wagtail's own: the page row written twice (created, published)
with each save's signals and savepoints, two log entries each validated with three queries, the
reference index, the link tables; and per-save listeners outside the importer (a Redis write
per save for the content generation, a query per comic panel for search).
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from harness import TINY, migrate, sized

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "content" / "demo"
LINES = sized(1000, 20)
# The last commit whose importer was the single module content/importer.py.
BASELINE = "75f2181"
TARGET_LINES_PER_SECOND = 1000 / 60
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/kepu_bench_import"

FILES = [
    "media/images/demo-001.jpg",
    "media/images/demo-002.jpg",
    "media/images/demo-003.jpg",
    "media/video/demo-028.mp4",
    "media/video/demo-028.vtt",
    *[f"media/comics/demo-040-{n}.png" for n in range(1, 5)],
]


def generate(folder, lines):
    """Write bench.jsonl into ``folder``: the demo lines cycled with new identities and titles,
    every line pointing at one of a few files, as a real export reuses its artwork."""
    for path in FILES:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO / path, folder / path)
    by_type = {}
    for text in (DEMO / "demo.jsonl").read_text(encoding="utf-8").splitlines():
        line = json.loads(text)
        by_type.setdefault(line["type"], []).append(line)
    kinds = ["article", "video", "comic", "emergency"]
    with (folder / "bench.jsonl").open("w", encoding="utf-8") as out:
        for number in range(lines):
            kind = kinds[number % 4]
            line = dict(by_type[kind][number // 4 % len(by_type[kind])])
            line["external_id"] = f"bench-{number:05d}"
            line["source"] = "基准测试"
            line["title"] = f"{line['title']}（{number}）"
            line["image"] = FILES[number % 3]
            if kind == "video":
                line["video"], line["captions"] = FILES[3], FILES[4]
            if kind == "comic":
                line["panels"] = [
                    dict(panel, image=FILES[5 + position % 4])
                    for position, panel in enumerate(line["panels"])
                ]
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return folder / "bench.jsonl"


def child_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def manage(tree, env, *args):
    """Run ``tree``'s manage.py; return (wall seconds, CPU seconds, last line of its output)."""
    cpu = child_cpu()
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 -- our own manage.py
        [sys.executable, str(tree / "manage.py"), *args],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    cpu = child_cpu() - cpu
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, cpu, (result.stdout.strip().splitlines() or [""])[-1]


def unpack(ref, folder):
    """The tree of commit ``ref``, written into ``folder``."""
    archive = subprocess.run(  # noqa: S603, S607
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


class SQLite:
    name = "SQLite"

    def __init__(self, temp):
        self.temp = temp
        self.template = temp / "template.sqlite3"
        self.runs = 0

    def url(self, path):
        return f"sqlite:///{path}"

    def template_url(self):
        return self.url(self.template)

    def fresh(self):
        self.runs += 1
        path = self.temp / f"run-{self.runs}.sqlite3"
        shutil.copy(self.template, path)
        return self.url(path)

    def drop(self):
        pass


class PostgreSQL:
    name = "PostgreSQL"

    def __init__(self, url):
        import psycopg

        self.psycopg = psycopg
        parts = urlsplit(url)
        self.base = parts
        self.prefix = parts.path.lstrip("/") or "kepu_bench_import"
        self.admin = urlunsplit(parts._replace(path="/postgres"))
        self.created = []
        self.runs = 0
        self._create(f"{self.prefix}_template")

    def _execute(self, sql):
        with self.psycopg.connect(self.admin, autocommit=True) as db:
            db.execute(sql)

    def _create(self, name, template=None):
        self._execute(f'DROP DATABASE IF EXISTS "{name}"')
        self._execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return urlunsplit(self.base._replace(path=f"/{name}"))

    def template_url(self):
        return urlunsplit(self.base._replace(path=f"/{self.prefix}_template"))

    def fresh(self):
        self.runs += 1
        return self._create(f"{self.prefix}_{self.runs}", template=f"{self.prefix}_template")

    def drop(self):
        for name in reversed(self.created):
            self._execute(f'DROP DATABASE IF EXISTS "{name}"')


def postgres(url):
    try:
        import psycopg

        return PostgreSQL(url)
    except (ImportError, psycopg.Error) as error:  # no server: the column is left out
        print(f"PostgreSQL left out ({type(error).__name__}: {error})")
        return None


def measure(database, trees, jsonl, temp):
    """{(tree name, run): (wall, cpu, summary)} for a first import and a re-import."""
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="kepuqingcheng.settings.dev",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    template_env = dict(env, DATABASE_URL=database.template_url())
    if isinstance(database, SQLite):  # copied when an earlier bench of this BENCH_CACHE migrated
        migrate(template_env, database.template)
    else:
        manage(ROOT, template_env, "migrate", "--noinput", "-v0")
    urls = {name: database.fresh() for name in trees}
    figures = {}
    for run in ("first import", "re-import"):
        for name, tree in trees.items():  # in turn, so drift of the machine hits both
            media = temp / f"media-{database.name}-{name}"
            run_env = dict(env, DATABASE_URL=urls[name], MEDIA_ROOT=str(media))
            figures[(name, run)] = manage(tree, run_env, "import_content", str(jsonl))
    return figures


def show(database, figures, lines):
    print(f"\n{lines} lines, {database.name}; each figure includes process start-up")
    print(f"{'':14}{'':10}{'wall s':>8}{'lines/s':>9}{'CPU s':>8}   summary")
    for run in ("first import", "re-import"):
        for name in ("baseline", "this tree"):
            wall, cpu, summary = figures[(name, run)]
            print(f"{run:14}{name:10}{wall:8.1f}{lines / wall:9.1f}{cpu:8.1f}   {summary}")
        (old_wall, old_cpu, _), (new_wall, new_cpu, _) = (
            figures[("baseline", run)],
            figures[("this tree", run)],
        )
        print(
            f"{run:14}{'speed-up':10}{old_wall / new_wall:7.2f}x{'':9}{old_cpu / new_cpu:7.2f}x"
            "   (baseline time / this tree's time: above 1 is faster)"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=LINES)
    parser.add_argument("--baseline", default=BASELINE, help="git commit to compare against")
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()

    failed = False
    with tempfile.TemporaryDirectory(prefix="kepu-bench-import-") as temp:
        temp = Path(temp)
        jsonl = generate(temp / "export", options.lines)
        trees = {"baseline": unpack(options.baseline, temp / "baseline"), "this tree": ROOT}
        databases = [SQLite(temp)]
        if not options.no_postgres:
            databases.append(postgres(os.environ.get("BENCH_POSTGRES_URL", POSTGRES_URL)))
        for database in filter(None, databases):
            try:
                figures = measure(database, trees, jsonl, temp)
            finally:
                database.drop()
            show(database, figures, options.lines)
            first = figures[("this tree", "first import")][0]
            again = figures[("this tree", "re-import")]
            if not again[2].startswith("created 0, updated 0, unchanged"):
                print(f"re-import was not unchanged: {again[2]}")
                failed = True
            if database.name == "SQLite":
                verdict = options.lines / first >= TARGET_LINES_PER_SECOND
                print(
                    f"first import {options.lines / first:.1f} lines/s vs target "
                    f"{TARGET_LINES_PER_SECOND:.1f}: {'within' if verdict else 'UNDER'} target"
                )
                # At the tiny size process start-up dominates: the figure is printed, not judged.
                failed |= not verdict and not TINY
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
