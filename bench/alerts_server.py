"""The server bench/alerts.py measures: the project's ASGI application plus two bench-only routes.

Served as ``bench.alerts_server:make_app`` (uvicorn --factory, from the repository root). Like
bench/cold_app.py it imports nothing from bench/ by its bare name: with bench/ on sys.path,
bench/alerts.py would shadow the ``alerts`` app.

- ``POST /bench/draft`` ``{"areas": [code, ...], "status": "Actual" | "Exercise" | "Test"}``:
  the alert as composed in the admin, before the measured step: a draft, and for an ``Actual``
  one already submitted by its drafter, so it awaits a second person. Answers its identifier.
- ``POST /bench/issue`` ``{"identifier": ...}``: the step that sends it out, as the admin's
  button does: ``alerts.issuing.confirm`` by a second person (Actual) or ``submit`` by the
  drafter (Exercise, Test). The transaction, its commit, the push to the screens and the manifest
  bump all happen before this request is answered, so the bench times the whole path.
  It answers how long after its start the alert event was handed to the broker, and in all.
- ``POST /bench/acks`` ``{"identifiers": [...]}``: the ``AlertAck`` rows the database holds for
  these alerts, ``{identifier: [screen id, ...]}``.

The people are the ones the bench's setup made (``DRAFTER``, ``CONFIRMER``).
"""

import asyncio
import json
import time

DRAFTER = "bench-drafter"
CONFIRMER = "bench-confirmer"


def _person(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _draft(spec):
    from alerts import issuing
    from alerts.models import Status
    from tests.alerts.factories import make_alert

    drafter = _person(DRAFTER)
    alert = make_alert(spec["areas"], status=spec["status"], created_by=drafter)
    if alert.status == Status.ACTUAL:
        issuing.submit(alert, drafter)
    return {"identifier": alert.identifier}


def _issue(spec):
    from alerts import issuing
    from alerts.models import Alert, Stage

    started = time.perf_counter()
    _published.clear()
    alert = Alert.objects.get(identifier=spec["identifier"])
    if alert.stage == Stage.AWAITING:
        issuing.confirm(alert, _person(CONFIRMER))
    else:
        issuing.submit(alert, _person(DRAFTER))
    alert.refresh_from_db()
    return {
        "identifier": alert.identifier,
        "stage": alert.stage,
        # Where the request's time goes: until the alert event was handed to the broker (the
        # transaction and its commit), and in all (what follows: the manifest bump's work).
        "published_after": _published[0] - started if _published else None,
        "handled": time.perf_counter() - started,
    }


def _in_thread(function, spec):
    from django.db import connections

    # A plain worker thread: its database connections are not closed at a request's end.
    try:
        return function(spec)
    finally:
        connections.close_all()


def _acks(spec):
    from alerts.models import AlertAck

    rows = AlertAck.objects.filter(alert__identifier__in=spec["identifiers"])
    recorded = {}
    for identifier, screen in rows.values_list("alert__identifier", "screen_id"):
        recorded.setdefault(identifier, []).append(screen)
    return recorded


ROUTES = {"/bench/draft": _draft, "/bench/issue": _issue, "/bench/acks": _acks}


async def _body(receive):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


_published = []


def _timing_publish(publish):
    def timed(kind, data=None, screen_ids=None):
        if kind == "alert":
            _published.append(time.perf_counter())
        return publish(kind, data, screen_ids)

    return timed


def make_app():
    """uvicorn --factory bench.alerts_server:make_app"""
    from kepuqingcheng.asgi import application
    from screens import push

    # alerts.delivery calls push.publish by attribute, so it goes through the timer.
    push.publish = _timing_publish(push.publish)

    async def app(scope, receive, send):
        route = ROUTES.get(scope.get("path")) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST":
            await application(scope, receive, send)
            return
        spec = json.loads(await _body(receive))
        try:
            status, answer = 200, await asyncio.to_thread(_in_thread, route, spec)
        except Exception as error:  # noqa: BLE001 - the bench reports whatever went wrong
            status, answer = 500, {"error": f"{type(error).__name__}: {error}"}
        payload = json.dumps(answer, ensure_ascii=False).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(payload)),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app
