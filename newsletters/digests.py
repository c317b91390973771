"""Planning digests: who is due, what is new for them, one mailing per distinct content set.

``plan(cadence)`` reads every confirmed subscriber of that cadence whose last digest is old
enough (weekly: 6 days, monthly: 27 days; never had one: due), and the content published since
the earliest of their "since" times (last digest, else confirmation) that the site shows the
public (``content.queries.live_content``). Each distinct preference set is matched once, with the
site's own ``ContentFilter``; each subscriber then gets the matching items newer than their own
"since". Subscribers with nothing new get no email. Subscribers with the same items share one
``Mailing``, rendered once; the recipient's own links are filled in at sending.

The mailings, their deliveries and the subscribers' new ``last_digest_at`` are written in one
transaction, so a digest is planned completely or not at all and never twice; sending starts
after commit (``newsletters.tasks``).

``run_scheduled`` is the periodic job: at the times ``NEWSLETTERS_WEEKLY_AT`` (weekday and
time) and ``NEWSLETTERS_MONTHLY_AT`` (day of month and time), in ``TIME_ZONE``, it plans that
cadence once per period (``DigestRun`` is unique per cadence and period).
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import Page

from content.filters import ContentFilter, codes_within
from content.models import CONTENT_KIND_LABELS, CONTENT_PAGE_MODELS
from content.queries import live_content

from .ledger import DigestRun, Mailing, MailingKind, queue_deliveries
from .models import Cadence, Status, Subscriber, Suppression, email_hash
from .rendering import absolute, render_digest, render_items
from .tasks import enqueue_delivery

logger = logging.getLogger(__name__)

DUE_AFTER = {Cadence.WEEKLY: timedelta(days=6), Cadence.MONTHLY: timedelta(days=27)}
CHUNK = 2000


@dataclass
class Plan:
    cadence: str
    subscribers: int = 0
    mailings: list = field(default_factory=list)
    deliveries: int = 0
    skipped_empty: int = 0


@dataclass(frozen=True)
class Item:
    pk: int
    published: datetime
    kind: str
    audiences: frozenset
    topics: frozenset
    regions: frozenset


def due_subscribers(cadence, now):
    """(pk, email, since) of the confirmed subscribers of ``cadence`` due a digest."""
    cutoff = now - DUE_AFTER[cadence]
    rows = (
        Subscriber.objects.filter(status=Status.CONFIRMED, cadence=cadence)
        .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=cutoff))
        .values_list("pk", "email", "last_digest_at", "confirmed_at", "created_at")
        .order_by("pk")
    )
    suppressed = set(Suppression.objects.values_list("email_hash", flat=True))
    return [
        (pk, email, last or confirmed or created)
        for pk, email, last, confirmed, created in rows
        if email_hash(email) not in suppressed
    ]


def preferences(cadence):
    """{subscriber pk: (audiences, topics, regions)} for the confirmed subscribers of
    ``cadence``: three queries whatever their number."""
    found = defaultdict(lambda: (set(), set(), set()))
    scope = {"subscriber__status": Status.CONFIRMED, "subscriber__cadence": cadence}
    for index, (name, value) in enumerate(
        (("audiences", "audience__slug"), ("topics", "tag__slug"), ("regions", "region__code"))
    ):
        through = getattr(Subscriber, name).through
        for pk, slug in through.objects.filter(**scope).values_list("subscriber_id", value):
            found[pk][index].add(slug)
    return found


def new_items(since, now):
    """The public content first published in (since, now], newest first, with its labels."""
    rows = list(
        live_content()
        .filter(first_published_at__gt=since, first_published_at__lte=now)
        .values_list("pk", "first_published_at", "content_type_id")
    )
    if not rows:
        return []
    pks = [pk for pk, _published, _type in rows]
    topics = defaultdict(set)
    for pk, slug in Page.objects.filter(pk__in=pks, tagged_items__isnull=False).values_list(
        "pk", "tagged_items__tag__slug"
    ):
        topics[pk].add(slug)
    kinds, audiences, regions = {}, defaultdict(set), defaultdict(set)
    for model in CONTENT_PAGE_MODELS:
        for pk in model.objects.filter(pk__in=pks).values_list("pk", flat=True):
            kinds[pk] = model.content_kind
        for pk, slug in model.audiences.through.objects.filter(
            **{f"{model._meta.model_name}_id__in": pks}
        ).values_list(f"{model._meta.model_name}_id", "audience__slug"):
            audiences[pk].add(slug)
        for pk, code in model.regions.through.objects.filter(
            **{f"{model._meta.model_name}_id__in": pks}
        ).values_list(f"{model._meta.model_name}_id", "region__code"):
            regions[pk].add(code)
    return [
        Item(pk, published, kinds[pk], frozenset(audiences[pk]), frozenset(topics[pk]),
             frozenset(regions[pk]))
        for pk, published, _type in rows
        if pk in kinds
    ]  # fmt: skip


def _matching(items, audiences, topics, regions, within):
    content_filter = ContentFilter(
        audiences=tuple(sorted(audiences)),
        topics=tuple(sorted(topics)),
        regions=tuple(sorted(regions)),
    )
    matches = content_filter.matcher(region_codes_within=within)
    return [item for item in items if matches(item)]


def plan(cadence, now=None):
    """Plan (and queue) the ``cadence`` digest for every subscriber due one."""
    now = now or timezone.now()
    result = Plan(cadence)
    due = due_subscribers(cadence, now)
    result.subscribers = len(due)
    if not due:
        return result
    limit = settings.NEWSLETTERS_DIGEST_MAX_ITEMS
    items = new_items(min(since for _pk, _email, since in due), now)
    if not items:
        result.skipped_empty = len(due)
        return result
    region_memo = {}

    def within(codes):
        key = tuple(sorted(codes))
        if key not in region_memo:
            region_memo[key] = codes_within(key)
        return region_memo[key]

    prefs = preferences(cadence)
    matched_by_prefs = {}
    groups = defaultdict(list)  # item pks → subscriber pks
    for pk, _email, since in due:
        key = tuple(tuple(sorted(values)) for values in prefs.get(pk, ((), (), ())))
        if key not in matched_by_prefs:
            matched_by_prefs[key] = _matching(items, *key, within)
        chosen = tuple(item.pk for item in matched_by_prefs[key] if item.published > since)
        if not chosen:
            result.skipped_empty += 1
            continue
        groups[chosen[:limit]].append(pk)
    # Each item's part of the email is built once, however many mailings show it.
    used = sorted({pk for chosen in groups for pk in chosen})
    shown = [(pk, item) for pk, item in zip(used, digest_items(used), strict=True) if item]
    parts = dict(
        zip([pk for pk, _ in shown], render_items([item for _, item in shown]), strict=True)
    )
    mailings = [
        build_digest(cadence, [parts[pk] for pk in chosen if pk in parts], now) for chosen in groups
    ]
    with transaction.atomic():
        Mailing.objects.bulk_create(mailings)
        for mailing, subscriber_pks in zip(mailings, groups.values(), strict=True):
            result.mailings.append(mailing)
            for start in range(0, len(subscriber_pks), CHUNK):
                part = subscriber_pks[start : start + CHUNK]
                queue_deliveries(mailing, part, now)
                Subscriber.objects.filter(pk__in=part).update(last_digest_at=now)
            result.deliveries += len(subscriber_pks)
        enqueue_delivery()
    logger.info(
        "newsletters: %s digest planned: %d mailings, %d deliveries, %d with nothing new",
        cadence, len(result.mailings), result.deliveries, result.skipped_empty,
    )  # fmt: skip
    return result


def digest_items(pks):
    """The template's items for content pages ``pks``, in that order (None for a page gone)."""
    pages = {page.pk: page for page in Page.objects.filter(pk__in=pks).specific()}
    items = []
    for pk in pks:
        page = pages.get(pk)
        if page is None:
            items.append(None)
            continue
        items.append(
            {
                "title": page.title,
                "url": absolute(page.get_url()),
                "summary": getattr(page, "summary", ""),
                "kind_label": CONTENT_KIND_LABELS.get(page.content_kind, ""),
                "published": page.first_published_at,
                **_image(page),
            }
        )
    return items


def _image(page):
    image = getattr(page, "cover_image", None)
    if image is None:
        return {}
    try:
        rendition = image.get_rendition("fill-552x310")
    except (OSError, ValueError):
        logger.warning("newsletters: no rendition of image %s", image.pk, exc_info=True)
        return {}
    return {"image_url": absolute(rendition.url), "image_alt": image.title}


def build_digest(cadence, parts, now):
    """The (unsaved) mailing of a digest of these rendered items."""
    with translation.override(settings.LANGUAGE_CODE):
        label = _("每周") if cadence == Cadence.WEEKLY else _("每月")
        date = timezone.localtime(now)
        subject = _("科普青城%(cadence)s简报 · %(month)d月%(day)d日") % {
            "cadence": label,
            "month": date.month,
            "day": date.day,
        }
        html, text = render_digest(subject, parts, cadence=label)
    return Mailing(kind=MailingKind.DIGEST, subject=subject, html=html, text=text, priority=50)


# -- the schedule ------------------------------------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _at(spec):
    """``"mon 08:00"`` → (0, 8, 0); ``"1 08:00"`` → (1, 8, 0)."""
    day, _, clock = spec.strip().lower().partition(" ")
    hour, _, minute = clock.strip().partition(":")
    day_value = WEEKDAYS.index(day[:3]) if day[:3] in WEEKDAYS else int(day)
    return day_value, int(hour), int(minute or 0)


def last_scheduled(cadence, now):
    """(period name, moment) of the most recent scheduled run of ``cadence`` at or before now."""
    local = timezone.localtime(now)
    if cadence == Cadence.WEEKLY:
        weekday, hour, minute = _at(settings.NEWSLETTERS_WEEKLY_AT)
        moment = (local - timedelta(days=(local.weekday() - weekday) % 7)).replace(
            hour=hour, minute=minute, second=0, microsecond=0
        )
        if moment > local:
            moment -= timedelta(days=7)
        year, week, _day = moment.isocalendar()
        return f"{year}-W{week:02d}", moment
    day, hour, minute = _at(settings.NEWSLETTERS_MONTHLY_AT)
    moment = local.replace(day=day, hour=hour, minute=minute, second=0, microsecond=0)
    if moment > local:
        previous = local.replace(day=1) - timedelta(days=1)
        moment = moment.replace(year=previous.year, month=previous.month)
    return f"{moment.year}-{moment.month:02d}", moment


def run_scheduled(now=None):
    """The periodic job: plan each cadence whose scheduled time has come this period."""
    now = now or timezone.now()
    done = []
    for cadence in (Cadence.WEEKLY, Cadence.MONTHLY):
        period, _moment = last_scheduled(cadence, now)
        try:
            with transaction.atomic():
                run = DigestRun.objects.create(cadence=cadence, period=period)
        except IntegrityError:
            continue
        result = plan(cadence, now)
        run.mailings, run.deliveries = len(result.mailings), result.deliveries
        run.save(update_fields=["mailings", "deliveries"])
        done.append(f"{cadence} {period}: {result.deliveries} queued")
    return "; ".join(done) or None
