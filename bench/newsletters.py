"""Newsletter digests: planning 100,000 subscribers, and one worker's send rate to a real SMTP
server, side by side with what that server accepts from a bare client.

For each database — SQLite, and PostgreSQL when a server answers (``BENCH_POSTGRES_URL``,
default the local one; the bench creates and drops its own database ``kepu_bench_newsletters``)
— a throw-away site gets the demo content (50 items made "new", published yesterday) and
generated subscribers with mixed preferences (audiences, topics, districts, weekly or monthly).
Then, each in its own process:

1. **plan**: `newsletters.digests.plan("weekly")` (what `send_digests --cadence weekly` runs):
   due subscribers, matching, one mailing per distinct content set, every delivery row written
   and the task queued. Target ≤ 30 s.
2. **sink**: a bare smtplib client sends ``--messages`` small messages over one connection to an
   aiosmtpd server started by the bench (in its own process): the ceiling.
3. **worker**: `newsletters.sending.send_batch` in a loop, as the task worker runs it, until
   ``--messages`` deliveries of that digest are sent to the same kind of server. Target ≥ 300
   messages/s; its memory (RSS) is printed after the first fifth and at the end (flat: no
   growth with the number sent).

    .venv/bin/python bench/newsletters.py [--subscribers 100000] [--messages 5000] [--no-postgres]

``BENCH_PROFILE=1`` prints the plan's and the worker's cProfile (what the figures in the README
were improved from). Figures: the README's "Newsletters: sending".
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from harness import TINY, prepare_site, site_env, sized, verdict

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SUBSCRIBERS = sized(100_000, 300)
MESSAGES = sized(5000, 100)
PLAN_TARGET_SECONDS = 30
SEND_TARGET_PER_SECOND = 300

SETUP = """
import django, random, datetime
django.setup()
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import Page
from content.models import Audience, Region
from content.queries import live_content
from newsletters.models import Subscriber

call_command("load_demo", "--if-empty", verbosity=0)
now = timezone.now()
items = list(live_content().values_list("pk", flat=True)[:50])
Page.objects.filter(pk__in=items).update(first_published_at=now - datetime.timedelta(days=1))
random.seed(15)
audiences = list(Audience.objects.all())
districts = list(Region.objects.filter(depth=2))
topics = list(Tag.objects.filter(pk__in=Page.objects.filter(pk__in=items)
              .values("tagged_items__tag")))
confirmed = now - datetime.timedelta(days=30)
COUNT = {count}
Subscriber.objects.bulk_create(
    [Subscriber(email=f"reader{{n}}@bench.example.cn", status="confirmed",
                cadence="weekly" if n % 5 else "monthly", consent_text="bench",
                consented_at=confirmed, confirmed_at=confirmed) for n in range(COUNT)],
    batch_size=5000,
)
links = {{"audiences": [], "topics": [], "regions": []}}
through = {{name: getattr(Subscriber, name).through for name in links}}
for pk in Subscriber.objects.values_list("pk", flat=True):
    for audience in random.sample(audiences, random.choice((0, 1, 1, 2))):
        links["audiences"].append(through["audiences"](subscriber_id=pk, audience_id=audience.pk))
    for tag in random.sample(topics, min(len(topics), random.choice((0, 0, 1, 2)))):
        links["topics"].append(through["topics"](subscriber_id=pk, tag_id=tag.pk))
    for region in random.sample(districts, random.choice((0, 0, 1))):
        links["regions"].append(through["regions"](subscriber_id=pk, region_id=region.pk))
for name, rows in links.items():
    through[name].objects.bulk_create(rows, batch_size=5000)
print(f"{{len(items)}} new items, {{COUNT}} subscribers")
"""

PLAN = """
import cProfile, django, os, pstats, sys, time
django.setup()
from newsletters.digests import plan
profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
if profile: profile.enable()
started = time.perf_counter()
result = plan("weekly")
elapsed = time.perf_counter() - started
if profile:
    profile.disable()
    pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
print(f"{elapsed:.3f} {len(result.mailings)} {result.deliveries} {result.skipped_empty}")
"""

WORKER = """
import django, resource, time
django.setup()
from newsletters import sending

def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6

target = {messages}
sent, early = 0, None
warm = sending.send_batch().get("sent", 0)  # the first connection and imports, not timed
import cProfile, os, pstats, sys
profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
if profile: profile.enable()
started = time.perf_counter()
while sent < target:
    counts = sending.send_batch()
    if not counts:
        break
    sent += counts.get("sent", 0)
    if early is None and sent >= target // 5:
        early = rss_mb()
elapsed = time.perf_counter() - started
if profile:
    profile.disable()
    pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
print(f"{{sent}} {{elapsed:.3f}} {{early or rss_mb():.1f}} {{rss_mb():.1f}} {{warm}}")
"""

SAMPLE = """
import django, sys
django.setup()
from newsletters.ledger import Delivery
from newsletters.rendering import Prepared
row = Delivery.objects.select_related("mailing", "subscriber").order_by("pk").first()
raw = Prepared(row.mailing).bytes_for(row, row.subscriber)
open(sys.argv[1], "wb").write(raw)
print(len(raw))
"""

# The same message bytes a worker sends, over one connection: what the server takes at most.
SINK_CLIENT = """
import smtplib, sys, time
port, count, raw = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
with smtplib.SMTP("127.0.0.1", port) as client:
    client.sendmail("bench@example.cn", ["warm@example.cn"], raw)
    started = time.perf_counter()
    for n in range(count):
        client.sendmail("bench@example.cn", [f"reader{n}@bench.example.cn"], raw)
    print(f"{count} {time.perf_counter() - started:.3f}")
"""

SINK_SERVER = """
import sys, time
sys.path.insert(0, ".")
from tests.mailserver import MailServer
server = MailServer(keep=False).start()
print(server.port, flush=True)
sys.stdin.read()
print(server.accepted, flush=True)
server.stop()
"""


class Sink:
    """An aiosmtpd server that only counts, in a process of its own (so the bench's own work
    never shares its interpreter)."""

    def __init__(self, env):
        self.process = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, "-c", SINK_SERVER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.port = int(self.process.stdout.readline())

    def close(self):
        accepted, _ = self.process.communicate("", timeout=30)
        return int(accepted.strip() or 0)


def run(env, script, *args):
    done = subprocess.run(  # noqa: S603 - our own scripts
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"bench step failed:\n{done.stderr[-3000:]}")
    if os.environ.get("BENCH_PROFILE"):
        print(done.stderr[-12000:])
    return done.stdout.strip().splitlines()[-1]


def postgres_env(folder, base_url):
    """The site's environment on a fresh PostgreSQL database, or None when no server answers."""
    try:
        import psycopg

        with psycopg.connect(base_url, autocommit=True, connect_timeout=3) as admin:
            admin.execute("DROP DATABASE IF EXISTS kepu_bench_newsletters")
            admin.execute("CREATE DATABASE kepu_bench_newsletters")
    except (ImportError, OSError, Exception) as error:  # noqa: BLE001 - any failure: left out
        print(f"PostgreSQL left out ({type(error).__name__}: {error})")
        return None
    parts = urlsplit(base_url)
    env = site_env(folder)
    env["DATABASE_URL"] = urlunsplit(parts._replace(path="/kepu_bench_newsletters"))
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    return env


def drop_postgres(base_url):
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS kepu_bench_newsletters WITH (FORCE)")


def measure(name, env, subscribers, messages):
    env = {**env, "TASKS_BACKEND": "database", "NEWSLETTERS_BATCH_SIZE": "100"}
    print(f"{name}: {run(env, SETUP.format(count=subscribers))}")
    seconds, mailings, deliveries, empty = run(env, PLAN).split()
    sample = Path(env["MEDIA_ROOT"]).parent / "sample.eml"
    size = int(run(env, SAMPLE, str(sample)))
    sink = Sink(env)
    bare = run(env, SINK_CLIENT, str(sink.port), str(messages), str(sample)).split()
    sent_bare, bare_seconds = bare
    sink.close()
    sink = Sink(env)
    worker_env = {**env, "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
    figures = run(worker_env, WORKER.format(messages=messages)).split()
    sent, send_seconds, early_mb, late_mb, warm = figures
    accepted = sink.close()
    return {
        "plan": float(seconds),
        "size": size,
        "mailings": int(mailings),
        "deliveries": int(deliveries),
        "empty": int(empty),
        "bare": int(sent_bare) / float(bare_seconds),
        "worker": int(sent) / float(send_seconds),
        "sent": int(sent),
        "accepted": accepted - int(warm),
        "rss": (float(early_mb), float(late_mb)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=SUBSCRIBERS)
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    missed, broken = [], []
    results = {}
    with tempfile.TemporaryDirectory(prefix="kepu-bench-newsletters-") as temp:
        env, _ = prepare_site(Path(temp), "print('ready')")
        results["SQLite"] = measure("SQLite", env, options.subscribers, options.messages)
        if not options.no_postgres:
            base_url = os.environ.get("BENCH_POSTGRES_URL", POSTGRES_URL)
            pg_env = postgres_env(Path(temp), base_url)
            if pg_env is not None:
                try:
                    results["PostgreSQL"] = measure(
                        "PostgreSQL", pg_env, options.subscribers, options.messages
                    )
                finally:
                    drop_postgres(base_url)
    print()
    print(
        f"{'database':<11} {'plan s':>7} {'mailings':>8} {'queued':>8} {'bytes':>6} {'bare/s':>7} "
        f"{'worker/s':>9} {'worker/sink':>11} {'RSS MB 1/5 → end':>17}"
    )
    for name, figures in results.items():
        early, late = figures["rss"]
        print(
            f"{name:<11} {figures['plan']:>7.2f} {figures['mailings']:>8} "
            f"{figures['deliveries']:>8} {figures['size']:>6} {figures['bare']:>7.0f} "
            f"{figures['worker']:>9.0f} "
            f"{figures['worker'] / figures['bare']:>10.2f}x {early:>8.1f} → {late:<6.1f}"
        )
        if figures["plan"] > PLAN_TARGET_SECONDS:
            missed.append(f"{name} plan {figures['plan']:.1f} s > {PLAN_TARGET_SECONDS} s")
        if figures["worker"] < SEND_TARGET_PER_SECOND:
            missed.append(f"{name} send {figures['worker']:.0f}/s < {SEND_TARGET_PER_SECOND}/s")
        if figures["deliveries"] == 0:
            broken.append(f"{name}: the digest queued nothing")
        if figures["accepted"] != figures["sent"]:
            broken.append(
                f"{name}: worker sent {figures['sent']}, server got {figures['accepted']}"
            )
    if TINY:
        print("(tiny size: figures mean nothing)")
    verdict(missed, broken)


if __name__ == "__main__":
    main()
