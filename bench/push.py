"""Push channel under load: 1,000 idle Server-Sent Event streams, one change, how fast all hear it.

Run: .venv/bin/python bench/push.py   (about a minute and a half; needs Redis on 127.0.0.1:6379
for the second half, skipped with a note otherwise; BENCH_SIZE=tiny: seconds, with 2 screens of
5 streams)

1. Prepares a throw-away SQLite database with 10 screens.
2. One uvicorn worker, in-process broker: a second process opens 1,000 streams on loopback
   (100 per screen, with tickets), the change is published inside the server, and the client
   records when each stream receives it. Reports p50/p99/max delay, lost streams, and the
   server's resident memory per idle stream.
3. The same with two uvicorn workers and Redis pub/sub: the change is published by whichever
   worker answers the publish request; streams held by the other worker must hear it too.

The server is the project's ASGI application wrapped by ``make_app`` below, which adds one
bench-only route (POST /bench/publish) and tags responses with the worker's pid.
"""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import migrate, sized, wait_until_up
from serving import ROOT, free_port

SCREENS = sized(10, 2)
PER_SCREEN = sized(100, 5)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


# ---------------------------------------------------------------- server side (inside uvicorn)


def make_app():
    """uvicorn --factory push:make_app"""
    sys.path.insert(0, str(ROOT))
    from kepuqingcheng.asgi import application as django_app
    from screens import push

    pid = str(os.getpid()).encode()

    async def app(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/bench/publish":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            screen_ids = json.loads(body)["screens"]
            await asyncio.to_thread(push.publish, "manifest", {"version": "bench"}, screen_ids)
            headers = [
                (b"content-type", b"text/plain"),
                (b"content-length", str(len(pid)).encode()),
                (b"x-bench-pid", pid),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": pid})
            return

        async def tagged_send(message):
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"x-bench-pid", pid)],
                }
            await send(message)

        await django_app(scope, receive, tagged_send)

    return app


# ---------------------------------------------------------------- client side (second process)


async def _open_stream(port, ticket):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
    writer.write(
        (
            f"GET /api/v1/screens/events?ticket={ticket} HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    pid = None
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"x-bench-pid:"):
            pid = int(line.split(b":", 1)[1])
    buffer = b""
    while b"event: ready" not in buffer:
        buffer += await reader.read(4096)
    return {"reader": reader, "writer": writer, "status": status, "pid": pid}


async def _await_change(stream):
    buffer = b""
    while b"event: manifest" not in buffer:
        chunk = await stream["reader"].read(4096)
        if not chunk:
            return None
        buffer += chunk
    return time.perf_counter()


async def _publish(port, screen_ids):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = json.dumps({"screens": screen_ids}).encode()
    writer.write(
        b"POST /bench/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return int(answer.rsplit(b"\r\n\r\n", 1)[1])


async def _client(port, tickets, ready_file):
    streams = []
    # Open in batches so the accept queue and the server's ticket checks keep up.
    for start in range(0, len(tickets), 50):
        batch = tickets[start : start + 50]
        streams += await asyncio.gather(*(_open_stream(port, ticket) for ticket in batch))
    Path(ready_file).write_text("ready")
    # Let the server settle, so the memory reading is of idle streams.
    while Path(ready_file).read_text() != "measured":
        await asyncio.sleep(0.1)
    waiters = [asyncio.create_task(_await_change(stream)) for stream in streams]
    await asyncio.sleep(0.2)
    published_at = time.perf_counter()
    publisher_pid = await _publish(port, list(range(1, SCREENS + 1)))
    done, _pending = await asyncio.wait(waiters, timeout=10)
    delays, by_pid = [], {}
    for stream, waiter in zip(streams, waiters, strict=True):
        received = waiter.result() if waiter in done else None
        by_pid.setdefault(stream["pid"], [0, 0])
        by_pid[stream["pid"]][0] += 1
        if received is None:
            continue
        by_pid[stream["pid"]][1] += 1
        delays.append(received - published_at)
    for stream in streams:
        stream["writer"].close()
    return {
        "opened": sum(1 for s in streams if s["status"] == 200),
        "delays": delays,
        "by_pid": {str(k): v for k, v in by_pid.items()},
        "publisher_pid": publisher_pid,
    }


def client_main(port, tickets_file, ready_file):
    tickets = json.loads(Path(tickets_file).read_text())
    result = asyncio.run(_client(port, tickets, ready_file))
    print(json.dumps(result))


# ---------------------------------------------------------------- orchestration


def _rss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        return 0
    return 0


def _server_pids(master):
    children = []
    for task in Path(f"/proc/{master}/task").iterdir():
        text = (task / "children").read_text().split()
        children += [int(pid) for pid in text]
    # uvicorn --workers N: the workers do the serving; a single worker serves in the master.
    return children or [master]


def _django(env, code):
    out = subprocess.run(
        [sys.executable, "-c", "import json, django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def _prepare(env, database):
    migrate(env, database)
    _django(
        env,
        "from screens.provisioning import provision\n"
        f"for n in range({SCREENS}):\n"
        "    provision(f'压测屏{n}', '150105', 'square')\n",
    )


def _tickets(env):
    # Tickets live 60 s: made afresh right before each case.
    return _django(
        env,
        "from screens.events import make_ticket\n"
        "from screens.models import Screen\n"
        "tickets = [make_ticket(s) for s in Screen.objects.all()]\n"
        f"print(json.dumps([t for t in tickets for _ in range({PER_SCREEN})]))\n",
    )


def run_case(label, env, workers, tmp):
    (Path(tmp) / "tickets.json").write_text(_tickets(env))
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "push:make_app",
            "--app-dir",
            str(ROOT / "bench"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(port, server, timeout=60)
        time.sleep(1.5 if workers > 1 else 0.3)
        pids = _server_pids(server.pid)
        # Warm each worker (imports, first request) before the baseline reading.
        for _ in range(4 * workers):
            wait_until_up(port, server)
        rss_before = sum(_rss_kb(pid) for pid in pids)
        ready_file = Path(tmp) / f"ready-{workers}"
        ready_file.write_text("")
        client = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "client",
                str(port),
                str(Path(tmp) / "tickets.json"),
                str(ready_file),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        while ready_file.read_text() != "ready":
            if client.poll() is not None:
                raise SystemExit("the client stopped early")
            time.sleep(0.1)
        time.sleep(1.0)
        rss_after = sum(_rss_kb(pid) for pid in pids)
        ready_file.write_text("measured")
        out, _ = client.communicate(timeout=120)
        result = json.loads(out.strip().splitlines()[-1])
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    delays = sorted(result["delays"])
    p = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))] * 1000  # noqa: E731
    per_conn_kb = (rss_after - rss_before) / max(1, result["opened"])
    print(f"\n== {label}")
    print(f"streams opened            {result['opened']:>8}")
    print(f"received the change       {len(delays):>8}")
    print(f"lost                      {result['opened'] - len(delays):>8}")
    print(f"delay p50 / p99 / max ms  {p(0.5):8.1f} {p(0.99):8.1f} {delays[-1] * 1000:8.1f}")
    print(f"server RSS idle streams   {rss_before / 1024:8.1f} MiB -> {rss_after / 1024:.1f} MiB")
    print(f"memory per idle stream    {per_conn_kb:8.1f} KiB")
    if workers > 1:
        publisher = str(result["publisher_pid"])
        for pid, (held, heard) in sorted(result["by_pid"].items()):
            role = "published" if pid == publisher else "other worker"
            print(f"worker {pid:>7} ({role:>12})  held {held:>4}, heard {heard:>4}")
    return {"p99_ms": p(0.99), "lost": result["opened"] - len(delays), "kib": per_conn_kb}


def _redis_available():
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - any failure means "no Redis here"
        return False
    return True


def main():
    tmp = tempfile.mkdtemp(prefix="kepu-bench-push-")
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kepuqingcheng.settings.test",
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
            # 100 streams per screen stand in for 100 screens each; a real screen holds one.
            "SCREENS_EVENTS_MAX_STREAMS": "100",
        }
        env.pop("REDIS_URL", None)
        print(f"preparing a database with {SCREENS} screens ...", flush=True)
        _prepare(env, Path(tmp) / "db.sqlite3")
        results = {"in-process": run_case("1 worker, in-process broker", env, 1, tmp)}
        if _redis_available():
            redis_env = {**env, "REDIS_URL": REDIS_URL}
            results["redis"] = run_case("2 workers, Redis pub/sub", redis_env, 2, tmp)
        else:
            print(f"\n(no Redis at {REDIS_URL}: the two-worker case was skipped)")
        print("\n== summary (target: p99 <= 2000 ms, none lost)")
        for name, result in results.items():
            verdict = "ok" if result["p99_ms"] <= 2000 and result["lost"] == 0 else "MISSED"
            print(
                f"{name:>10}: p99 {result['p99_ms']:.1f} ms, lost {result['lost']}, "
                f"{result['kib']:.1f} KiB per idle stream -> {verdict}"
            )
        if "redis" in results:
            ratio = results["redis"]["p99_ms"] / max(results["in-process"]["p99_ms"], 0.001)
            print(f"p99 Redis/2 workers vs in-process/1 worker: {ratio:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        client_main(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        main()
