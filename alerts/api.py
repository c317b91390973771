"""The alerts' JSON API: active alerts by region for partners, and screens' acknowledgements.

``GET /api/v1/alerts?region=`` answers the cards of active alerts (``alerts.cards``);
``POST /api/v1/screens/acks`` records that a screen displayed an alert, once per screen.
"""

import datetime

from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from content.models import Region
from screens.api import PER_SCREEN, AlertCardOut, ScreenBearer
from screens.inputs import Text

from . import active, cards
from .models import Alert, AlertAck

router = Router(tags=["alerts"])
ACK_MAX_BYTES = 1024


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


class AlertsApiError(Schema):
    detail: str | list[str]
    error: str | None = None


class AreaOut(Schema):
    code: str
    name: str


class AlertOut(AlertCardOut):
    description: str
    areas: list[AreaOut]
    cap_url: str = Field(description="CAP 1.2 消息")


class AlertsOut(Schema):
    alerts: list[AlertOut]


class AlertsQuery(Schema):
    region: Text | None = Field(
        None,
        max_length=12,
        description="GB/T 2260 区划代码：返回覆盖该地区、其上级或其下辖地区的预警；不填为全部",
    )


@router.get(
    "/alerts",
    response={200: AlertsOut, 400: AlertsApiError},
    summary="Active emergency alerts, most severe first",
    description="正在生效的应急预警（含演练、测试，以 status / label 区分），按级别从高到低。",
)
def active_alerts(request, filters: Query[AlertsQuery]):
    if filters.region:
        region = Region.objects.filter(code=filters.region).first()
        if region is None:
            return _json(
                {
                    "error": "invalid request",
                    "detail": [_("region：未知的区划代码 %(code)s。") % {"code": filters.region}],
                },
                status=400,
            )
        alerts = cards.touching(region)
    else:
        alerts = cards.ordered(
            Alert.objects.active().select_related("replaces").prefetch_related("areas")
        )
    return _json({"alerts": [cards.full_card(alert) for alert in alerts]})


class AckIn(Schema):
    alert: Text = Field(min_length=1, max_length=128)


class AckOut(Schema):
    alert: str
    acknowledged_at: datetime.datetime
    first: bool = Field(description="这是该屏幕对此预警的第一次确认")


@router.post(
    "/screens/acks",
    auth=ScreenBearer(ACK_MAX_BYTES),
    throttle=PER_SCREEN,
    response={
        200: AckOut,
        400: AlertsApiError,
        401: AlertsApiError,
        404: AlertsApiError,
        429: AlertsApiError,
    },
    summary="A screen acknowledges that it displays an alert (idempotent)",
    tags=["screens"],
)
def acknowledge(request, payload: AckIn):
    screen_id, config_version = request.auth
    target = active.sent_alert(payload.alert)
    if target is None:
        return _json({"detail": _("未知的预警：%(id)s。") % {"id": payload.alert}}, status=404)
    alert_id, area_paths = target
    region_path = active.screen_region_path(screen_id, config_version)
    if not any(region_path.startswith(path) for path in area_paths):
        return _json(
            {"error": "invalid request", "detail": _("这条预警不是发给这块屏幕的。")}, status=400
        )
    stored, first = AlertAck.objects.record(alert_id, screen_id, timezone.now())
    return _json(
        {
            "alert": payload.alert,
            "acknowledged_at": timezone.localtime(stored).isoformat(),
            "first": first,
        }
    )
