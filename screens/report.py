"""Proof-of-play report: plays and seconds per content, per screen and per day."""

import datetime

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import Play


def period(start=None, end=None):
    """(first day, last day) inclusive, local dates; the last 7 days by default."""
    today = timezone.localdate()
    end = end or today
    start = start or end - datetime.timedelta(days=6)
    if start > end:
        start, end = end, start
    return start, end


def plays_in(start, end, screen_ids=None):
    tz = timezone.get_current_timezone()
    lower = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min), tz)
    upper = lower + datetime.timedelta(days=(end - start).days + 1)
    queryset = Play.objects.filter(started_at__gte=lower, started_at__lt=upper)
    if screen_ids:
        queryset = queryset.filter(screen_id__in=screen_ids)
    return queryset


def _totals(queryset, *fields):
    rows = (
        queryset.values(*fields)
        .annotate(plays=Count("pk"), milliseconds=Sum("duration_ms"))
        .order_by(*fields)
    )
    return [{**row, "seconds": round((row.pop("milliseconds") or 0) / 1000, 1)} for row in rows]


def summary(start, end, screen_ids=None):
    queryset = plays_in(start, end, screen_ids)
    by_day = queryset.annotate(day=TruncDate("started_at", tzinfo=timezone.get_current_timezone()))
    by_content = sorted(_totals(queryset, "page_id", "title"), key=lambda row: -row["plays"])
    by_screen = sorted(
        _totals(queryset, "screen_id", "screen__name"), key=lambda row: -row["plays"]
    )
    return {
        "by_content": by_content,
        "by_screen": by_screen,
        "by_day": _totals(by_day, "day"),
        "total": _total(queryset),
    }


def _total(queryset):
    row = queryset.aggregate(plays=Count("pk"), milliseconds=Sum("duration_ms"))
    return {"plays": row["plays"], "seconds": round((row["milliseconds"] or 0) / 1000, 1)}


def rows(start, end, screen_ids=None):
    """One row per day, screen and content: what the report's CSV and XLSX exports hold."""
    queryset = plays_in(start, end, screen_ids).annotate(
        day=TruncDate("started_at", tzinfo=timezone.get_current_timezone())
    )
    return _totals(queryset, "day", "screen_id", "screen__name", "page_id", "title")
