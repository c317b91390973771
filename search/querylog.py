"""Aggregate query counts per week for the editors' insights report (no personal data)."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from search.analysis import normalize

from .models import HiddenQuery, QueryStat

MAX_QUERY_LENGTH = 200


def normalise_query(query_string):
    return " ".join(normalize(query_string or "").split())[:MAX_QUERY_LENGTH]


def week_of(day):
    return day - datetime.timedelta(days=day.weekday())


def record_search(query_string, result_count, *, today=None):
    """Count one search for this week; count it as a zero-result search if nothing was found."""
    text = normalise_query(query_string)
    if not text:
        return
    week = week_of(today or timezone.localdate())
    zero = 1 if result_count == 0 else 0
    changes = {"searches": F("searches") + 1, "zero_results": F("zero_results") + zero}
    rows = QueryStat.objects.filter(week=week, query=text)
    if rows.update(**changes):
        return
    try:
        with transaction.atomic():
            QueryStat.objects.create(week=week, query=text, searches=1, zero_results=zero)
    except IntegrityError:
        # another request created the row between our update and create
        rows.update(**changes)


def popular_queries(*, weeks=4, limit=10, today=None, with_results=True, min_count=None):
    """The most searched queries of the last weeks, for the public "大家在搜" list: only weeks
    in which a query was searched at least ``min_count`` times (POPULAR_SEARCH_MIN_COUNT)
    count, so that a few searches cannot put a word on the public site, and queries editors
    hid are left out. Optionally only queries that found something."""
    if min_count is None:
        min_count = settings.POPULAR_SEARCH_MIN_COUNT
    since = week_of(today or timezone.localdate()) - datetime.timedelta(weeks=weeks - 1)
    rows = QueryStat.objects.filter(week__gte=since, searches__gte=max(1, min_count))
    rows = rows.exclude(query__in=HiddenQuery.objects.values("query")).values("query")
    rows = rows.annotate(total=Sum("searches"), zero=Sum("zero_results"))
    if with_results:
        rows = rows.filter(zero__lt=F("total"))
    return list(rows.order_by("-total", "query")[:limit])


def weekly_report(week, *, limit=50):
    """(popular, zero-result) rows of one week, most searched first."""
    rows = QueryStat.objects.filter(week=week_of(week))
    popular = list(rows.order_by("-searches", "query")[:limit])
    zero = list(rows.filter(zero_results__gt=0).order_by("-zero_results", "query")[:limit])
    return popular, zero


def hide_query(query_string, user):
    text = normalise_query(query_string)
    if text:
        HiddenQuery.objects.get_or_create(query=text, defaults={"hidden_by": user})
    return text


def show_query(query_string):
    HiddenQuery.objects.filter(query=normalise_query(query_string)).delete()
