"""What the benches share: their size, a throw-away site, servers started and warmed up, and
measurement side by side in interleaved rounds (so the machine's load affects every column
alike; figures are ratios between columns measured in the same run).

Size: ``BENCH_SIZE=tiny`` runs a bench at a size that takes seconds, so that a broken bench is
noticed (`.ci/run` runs every bench so). Tiny figures mean nothing: speed targets are reported
but not enforced; correctness checks (a status, a query count) still fail the bench. Unset, or
any other value, is the full size the README's figures come from.

``BENCH_CACHE`` (a folder, for one run of several benches, as `.ci/run` does) lets them share
the work every bench repeats: the first migrates a database and collects the static files, the
next ones copy that database and skip collecting.

Servers are uvicorn processes as `make run` starts them (bench/serving.py).
"""

import contextlib
import hashlib
import http.client
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from serving import ROOT, start_uvicorn

SIZE = os.environ.get("BENCH_SIZE", "full")
TINY = SIZE == "tiny"
PYTHON = sys.executable


def sized(full, tiny):
    """``full``, or ``tiny`` when the bench runs at the tiny size."""
    return tiny if TINY else full


def site_env(folder):
    """The environment of a throw-away site in ``folder``: SQLite, local media, no Redis."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kepuqingcheng.settings.dev",
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    return env


def _manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _migrations_key():
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _migrated_template():
    cache = os.environ.get("BENCH_CACHE")
    return Path(cache) / f"migrated-{_migrations_key()}.sqlite3" if cache else None


def copy_migrated(database):
    """Copy a SQLite database migrated earlier in this ``BENCH_CACHE`` to ``database``; False
    when there is none."""
    template = _migrated_template()
    if template is None or not template.exists():
        return False
    shutil.copy(template, database)
    return True


def migrate(env, database):
    """Migrate the SQLite ``database`` that ``env`` names (or copy one migrated earlier in this
    ``BENCH_CACHE``)."""
    if copy_migrated(database):
        return
    _manage(env, "migrate", "--noinput", "-v0")
    template = _migrated_template()
    if template is not None:
        template.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(database, template.with_suffix(".partial"))
        template.with_suffix(".partial").rename(template)


def collect_static(env):
    cache = os.environ.get("BENCH_CACHE")
    marker = Path(cache) / "static-collected" if cache else None
    if marker is None or not marker.exists():
        _manage(env, "collectstatic", "--noinput", "-v0")
        if marker is not None:
            marker.touch()


def prepare_site(folder, script):
    """Migrate and collect static files for a site in ``folder``, then run ``script`` (Python
    source, run by `python -c` with the site's environment) to add the bench's data.
    Returns (env, the last line the script printed)."""
    env = site_env(folder)
    migrate(env, folder / "bench.sqlite3")
    collect_static(env)
    output = subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if output.returncode:
        sys.exit(f"setting up the bench data failed:\n{output.stderr[-3000:]}")
    return env, output.stdout.strip().splitlines()[-1]


def wait_until_up(port, server, timeout=30):
    """Return once the server on ``port`` answers /healthz with a 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("uvicorn stopped before answering")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"uvicorn did not answer within {timeout} s")


def stop(server):
    server.terminate()
    server.wait(timeout=10)


@contextlib.contextmanager
def servers(envs, app="kepuqingcheng.asgi:application", *, factory=False):
    """Start one server per ``envs`` entry ({column: env}) and wait until each answers; yield
    {column: (process, port)}; stop them all afterwards."""
    started = {}
    try:
        for name, env in envs.items():
            started[name] = start_uvicorn(app, env, factory=factory)
        for server, port in started.values():
            wait_until_up(port, server)
        yield started
    finally:
        for server, _port in started.values():
            stop(server)


def connect(port):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def get(connection, path, headers=None):
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    return response


def measure(connection, request, seconds):
    """(requests completed, seconds taken) for ``request`` = (path, headers, expected status)
    repeated for ``seconds`` on one keep-alive connection; any other status stops the bench."""
    path, headers, expected = request
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        status = get(connection, path, headers).status
        if status != expected:
            sys.exit(f"{path} answered {status}, expected {expected}")
        count += 1
    return count, time.perf_counter() - started


def side_by_side(connections, cases, *, rounds, seconds, warm_up=0.3):
    """Requests/second of every case on every connection, measured in interleaved rounds.

    ``connections`` is {column: connection}; ``cases`` is {column: {case: request}} (a request
    as ``measure`` takes it; every column has the same cases, a header may differ). Each case is
    first warmed up on each connection. Returns {(case, column): requests per second}."""
    for column, connection in connections.items():
        for request in cases[column].values():
            measure(connection, request, warm_up)
    names = list(next(iter(cases.values())))
    totals = {(name, column): [0, 0.0] for name in names for column in connections}
    for _ in range(rounds):
        for name in names:
            for column, connection in connections.items():
                count, elapsed = measure(connection, cases[column][name], seconds)
                totals[name, column][0] += count
                totals[name, column][1] += elapsed
    return {key: count / elapsed for key, (count, elapsed) in totals.items()}


def verdict(missed, broken=(), label="missed"):
    """End the bench: exit 1 when something is ``broken`` (a wrong status, a query too many), or
    when a speed target was ``missed`` except at the tiny size."""
    if missed:
        print(f"{label}: " + "; ".join(missed))
        if TINY:
            print("(tiny size: speed targets are not enforced)")
    if broken:
        print("broken: " + "; ".join(broken))
    if broken or (missed and not TINY):
        sys.exit(1)
