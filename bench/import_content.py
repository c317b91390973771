"""Knowledge-base import speed: 1,000 lines into a fresh SQLite database, target under 60 s.

Generates a 1,000-line JSONL of all four content types (reusing a handful of the demo media
files, as a real export reuses its artwork), migrates a throw-away SQLite database, then runs
`manage.py import_content` twice as a subprocess — the first import and a re-import of the same
file, which must report every line unchanged — and prints both side by side.

    .venv/bin/python bench/import_content.py
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import sized

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "content" / "demo"
LINES = sized(1000, 20)
TARGET_SECONDS = 60.0


FILES = [
    "media/images/demo-001.jpg",
    "media/images/demo-002.jpg",
    "media/images/demo-003.jpg",
    "media/video/demo-028.mp4",
    "media/video/demo-028.vtt",
    *[f"media/comics/demo-040-{n}.png" for n in range(1, 5)],
]


def generate(folder):
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
        for number in range(LINES):
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


def manage(env, *args):
    """Run manage.py; return (wall seconds, CPU seconds, last line of its output)."""
    cpu = child_cpu()
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    cpu = child_cpu() - cpu
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, cpu, (result.stdout.strip().splitlines() or [""])[-1]


def main():
    with tempfile.TemporaryDirectory(prefix="kepu-bench-import-") as temp:
        temp = Path(temp)
        jsonl = generate(temp / "export")
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="kepuqingcheng.settings.dev",
            DATABASE_URL=f"sqlite:///{temp / 'bench.sqlite3'}",
            MEDIA_ROOT=str(temp / "media-root"),
            LOG_LEVEL="WARNING",
        )
        env.pop("REDIS_URL", None)
        manage(env, "migrate", "--noinput", "-v0")
        startup, startup_cpu, _ = manage(env, "check")  # Django start-up alone, for reference
        first, first_cpu, first_summary = manage(env, "import_content", str(jsonl))
        again, again_cpu, again_summary = manage(env, "import_content", str(jsonl))
        stored_files = sum(1 for path in (temp / "media-root").rglob("*") if path.is_file())

    # Wall time is the target; CPU time shows the work itself when the machine is shared.
    print(f"{LINES} lines, SQLite; each figure includes process start-up ({startup:.1f} s)")
    print(f"{'':14}{'wall s':>8}{'lines/s':>9}{'CPU s':>8}   summary")
    print(f"{'first import':14}{first:8.1f}{LINES / first:9.0f}{first_cpu:8.1f}   {first_summary}")
    print(f"{'re-import':14}{again:8.1f}{LINES / again:9.0f}{again_cpu:8.1f}   {again_summary}")
    print(f"re-import / first import: {again / first:.2f} wall, {again_cpu / first_cpu:.2f} CPU")
    print(f"files stored: {stored_files} (the export names {len(FILES)} distinct files)")
    verdict = "within" if first < TARGET_SECONDS else "OVER"
    print(f"first import {first:.1f} s wall vs target {TARGET_SECONDS:.0f} s: {verdict} target")
    if first >= TARGET_SECONDS:
        sys.exit(1)


if __name__ == "__main__":
    main()
