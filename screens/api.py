"""The screen API under /api/v1/screens/: pairing, manifest, heartbeats and proof of play.

The manifest poll is the hot path: an unchanged poll with a cached token is answered 304 by
``screens.middleware.ConditionalManifestMiddleware`` before the rest of the stack; the operation
below gives the same answers (and falls back to the database when the cache is cold).
"""

import datetime
import time
import uuid as uuid_module
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponseNotModified, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle
from wagtail.models import Page

from content.caching import current_generation
from content.models import CONTENT_PAGE_MODELS
from kepuqingcheng.proxies import client_address

from . import auth, manifest, offers, pairing, versions
from .inputs import Moment, Text
from .middleware import manifest_headers
from .models import Play, Screen

router = Router(tags=["screens"])

HEARTBEAT_MAX_BYTES = 4 * 1024
PLAYS_MAX_BYTES = 256 * 1024
PLAYS_MAX_ITEMS = 500
RATE_PER_MINUTE = 60
PAIRING_RATE_PER_MINUTE = 20
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)
PAST_LIMIT = offers.KEEP
SKEW_LIMIT = datetime.timedelta(days=1)
JSON = "application/json; charset=utf-8"


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _bad_request(problems, **extra):
    body = {"error": "invalid request", "detail": problems}
    body.update((key, value) for key, value in extra.items() if value is not None)
    return _json(body, status=400)


class PerMinute(BaseThrottle):
    """ninja's throttle hook with a fixed one-minute window counted atomically in the cache.

    Not ninja's ``SimpleRateThrottle``: it keeps a list of timestamps that it reads and writes
    back, so simultaneous requests can all pass, and it fixes its rate when the API is built. Here
    ``limit`` is read on every request (settings may change it) and ``ident`` names the bucket
    (None: not limited); requests over the limit are answered 429 by ninja, with Retry-After.
    """

    def __init__(self, ident, limit):
        self.ident = ident
        self.limit = limit

    def allow_request(self, request):
        ident = self.ident(request)
        if ident is None:
            return True
        bucket = f"screens:rate:{ident}:{int(time.time() // 60)}"
        cache.add(bucket, 0, 120)
        try:
            count = cache.incr(bucket)
        except ValueError:  # expired between add and incr
            cache.set(bucket, 1, 120)
            count = 1
        return count <= self.limit()

    def wait(self):
        return 60 - time.time() % 60


def _screen_rate():
    return int(getattr(settings, "SCREENS_RATE_PER_MINUTE", RATE_PER_MINUTE))


# Heartbeats and plays of one screen share a budget; pairing is limited per client address.
PER_SCREEN = PerMinute(lambda request: request.auth[0], _screen_rate)
PER_PAIRING_CLIENT = PerMinute(
    lambda request: f"pairing:{client_address(request)}", lambda: PAIRING_RATE_PER_MINUTE
)


class ManifestBearer(HttpBearer):
    """The poll's authentication: the token cache answers without the database."""

    def authenticate(self, request, token):
        return auth.lookup_token(token)


class ScreenBearer(HttpBearer):
    """Reports from a screen: bounded body size (the per-screen rate limit is PER_SCREEN)."""

    def __init__(self, max_bytes):
        super().__init__()
        self.max_bytes = max_bytes

    def authenticate(self, request, token):
        found = auth.lookup_token(token)
        if found is None:
            return None
        try:
            declared = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            declared = 0
        if declared > self.max_bytes or len(request.body) > self.max_bytes:
            raise HttpError(400, _("请求体超过 %(max)d 字节。") % {"max": self.max_bytes})
        return found


# --- schemas -------------------------------------------------------------------------------


class ScreenApiError(Schema):
    detail: str | list[str]
    error: str | None = None
    rejected: list[str] | None = None


class PairingOut(Schema):
    code: str = Field(description="6 位配对码，字母数字，不含易混淆字符")
    claim_secret: str
    expires_at: datetime.datetime
    poll_seconds: int


class PairingStatus(Schema):
    status: Literal["waiting", "claimed"]
    token: str | None = Field(None, description="认领后只返回一次")


class MediaOut(Schema):
    role: Literal["image", "poster", "video", "captions", "panel"]
    url: str
    sha256: str
    bytes: int
    mime: str
    alt: str


class ScreenPanelOut(Schema):
    media: int
    text: str
    duration: float


class ItemOut(Schema):
    id: str
    page_id: int
    kind: Literal["card", "video", "comic", "image"]
    content_type: Literal["article", "video", "comic", "emergency"]
    title: str
    duration: float
    summary: str
    actions: list[str]
    hazard: str | None
    url: str
    review: str = ""
    unreviewed: bool = False
    media: list[MediaOut]
    panels: list[ScreenPanelOut] | None = None


class WindowOut(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    priority: int
    playlist: str
    emergency: bool
    items: list[str]


class ScreenOut(Schema):
    id: int
    name: str
    region: str
    place: str
    orientation: Literal["landscape", "portrait"]
    width: int
    height: int


class AlertCardOut(Schema):
    """An emergency alert shown full-screen above the schedule until ``expires`` (honoured by
    the player even offline) or until a push event ``alert`` with ``{"cancel": identifier}``."""

    identifier: str
    status: Literal["Actual", "Exercise", "Test"]
    label: str = Field(description="演练 / 测试，正式预警为空")
    msg_type: Literal["Alert", "Update"]
    event: str
    headline: str
    instruction: list[str]
    severity: Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
    rank: int = Field(description="4 红色 … 1 蓝色，0 未定级；越大越先显示")
    colour: Literal["red", "orange", "yellow", "blue", ""]
    colour_label: str
    sent: datetime.datetime
    onset: datetime.datetime | None
    expires: datetime.datetime
    url: str = Field(description="预警页面（二维码指向这里）")
    replaces: list[str] = Field(description="此条取代的预警标识")


class ManifestOut(Schema):
    version: str
    server_time: datetime.datetime
    poll_seconds: int
    valid_until: datetime.datetime
    screen: ScreenOut
    items: dict[str, ItemOut]
    schedule: list[WindowOut]
    alerts: list[AlertCardOut] = []


class HeartbeatIn(Schema):
    player_version: Text = Field("", max_length=40)
    current_item: Text | None = Field(None, max_length=40)
    free_storage_bytes: int | None = Field(None, ge=0, le=2**62)
    client_time: Moment
    online_since: Moment | None = None


class ServerTimeOut(Schema):
    server_time: datetime.datetime


class PlayIn(Schema):
    uuid: uuid_module.UUID
    item: Text = Field(max_length=40)
    started_at: Moment
    duration_ms: int = Field(ge=0, le=86_400_000)


class PlaysIn(Schema):
    plays: list[PlayIn] = Field(max_length=PLAYS_MAX_ITEMS)


class PlaysOut(Schema):
    accepted: int
    duplicates: int


# --- pairing -------------------------------------------------------------------------------


@router.post(
    "/screens/pairing",
    response={201: PairingOut, 429: ScreenApiError, 503: ScreenApiError},
    summary="Start pairing: a code for an unpaired player",
    throttle=PER_PAIRING_CLIENT,
)
def start_pairing(request):
    try:
        record, secret = pairing.start_pairing()
    except pairing.PairingError as error:
        return _json({"detail": str(error)}, status=503)
    return _json(
        {
            "code": record.code,
            "claim_secret": secret,
            "expires_at": manifest._iso(record.expires_at),
            "poll_seconds": 5,
        },
        status=201,
    )


class PairingPollIn(Schema):
    claim_secret: Text = Field(max_length=100)


@router.post(
    "/screens/pairing/poll",
    response={200: PairingStatus, 400: ScreenApiError, 404: ScreenApiError},
    summary="Poll a pairing: waiting, or claimed with the screen's token (once)",
    description="claim_secret 放在请求体中（不放在 URL 里，以免进入访问日志）。",
)
def poll_pairing(request, payload: PairingPollIn):
    answer = pairing.poll(payload.claim_secret)
    if answer is None:
        return _json({"detail": _("配对不存在或已过期。")}, status=404)
    return _json(answer)


# --- manifest ------------------------------------------------------------------------------


@router.get(
    "/screens/manifest",
    auth=ManifestBearer(),
    response={200: ManifestOut, 304: None, 401: ScreenApiError},
    summary="The screen's manifest: settings and schedule for the next 7 days",
    description=(
        "ETag 为 manifest 的 version；带 If-None-Match 且未变化时返回 304（不查询数据库）。"
    ),
)
def get_manifest(request):
    screen_id, config_version = request.auth
    version = versions.manifest_version(config_version, current_generation())
    if versions.etag_matches(request.headers.get("If-None-Match", ""), version):
        response = HttpResponseNotModified()
    else:
        version, body = manifest.manifest_for(screen_id)
        if body is None:
            return _json({"detail": "Unauthorized"}, status=401)
        offers.record(screen_id, body)
        response = _json(manifest.respond(body))
    return manifest_headers(response, version)


# --- heartbeats and plays ------------------------------------------------------------------


@router.post(
    "/screens/heartbeat",
    auth=ScreenBearer(HEARTBEAT_MAX_BYTES),
    throttle=PER_SCREEN,
    response={200: ServerTimeOut, 400: ScreenApiError, 401: ScreenApiError, 429: ScreenApiError},
    summary="Report the screen's status",
)
def heartbeat(request, payload: HeartbeatIn):
    screen_id, _version = request.auth
    now = timezone.now()
    client_time = payload.client_time
    skew = client_time - now
    if abs(skew) > SKEW_LIMIT:
        return _bad_request([_("client_time 与服务器时间相差超过一天。")])
    Screen.objects.filter(pk=screen_id).update(
        last_seen_at=now,
        player_version=payload.player_version,
        current_item=payload.current_item or "",
        free_storage_bytes=payload.free_storage_bytes,
        clock_skew_ms=int(skew.total_seconds() * 1000),
        online_since=payload.online_since,
    )
    return _json({"server_time": manifest._iso(now)})


def _page_titles(page_ids):
    return dict(
        Page.objects.type(*CONTENT_PAGE_MODELS).filter(pk__in=page_ids).values_list("pk", "title")
    )


@router.post(
    "/screens/plays",
    auth=ScreenBearer(PLAYS_MAX_BYTES),
    throttle=PER_SCREEN,
    response={200: PlaysOut, 400: ScreenApiError, 401: ScreenApiError, 429: ScreenApiError},
    summary="Report proof of play (idempotent by uuid)",
)
def plays(request, payload: PlaysIn):
    screen_id, _version = request.auth
    now = timezone.now()
    wanted_pages = {manifest.page_id_of(play.item) for play in payload.plays}
    titles = _page_titles([page_id for page_id in wanted_pages if page_id is not None])
    rejected = offers.not_offered(screen_id, [play.item for play in payload.plays])
    problems = []
    for index, play in enumerate(payload.plays):
        started = play.started_at
        if play.item in rejected:
            problems.append(
                _("plays[%(i)d].item：该屏幕的节目单从未下发 %(item)s。")
                % {"i": index, "item": play.item}
            )
        elif manifest.page_id_of(play.item) not in titles:
            problems.append(
                _("plays[%(i)d].item：未知内容 %(item)s。") % {"i": index, "item": play.item}
            )
        if started > now + FUTURE_TOLERANCE:
            problems.append(_("plays[%(i)d].started_at：时间在未来。") % {"i": index})
        elif started < now - PAST_LIMIT:
            problems.append(_("plays[%(i)d].started_at：早于 30 天前。") % {"i": index})
    if problems:
        # The batch is refused whole (nothing half-written); ``rejected`` names the items that no
        # manifest offered this screen, so a player (or its operator) can see what was forged.
        return _bad_request(problems, rejected=sorted(rejected) or None)
    skew = Screen.objects.filter(pk=screen_id).values_list("clock_skew_ms", flat=True).first()
    unique = {}
    for play in payload.plays:
        unique.setdefault(play.uuid, play)
    with transaction.atomic():
        existing = set(Play.objects.filter(uuid__in=list(unique)).values_list("uuid", flat=True))
        rows = [
            Play(
                uuid=play.uuid,
                screen_id=screen_id,
                page_id=manifest.page_id_of(play.item),
                title=titles[manifest.page_id_of(play.item)][:255],
                started_at=play.started_at,
                duration_ms=play.duration_ms,
                received_at=now,
                clock_skew_ms=skew,
            )
            for key, play in unique.items()
            if key not in existing
        ]
        Play.objects.bulk_create(rows, ignore_conflicts=True)
    accepted = len(rows)
    return _json({"accepted": accepted, "duplicates": len(payload.plays) - accepted})
