"""What a screen plays when: playlists resolved to content, schedules resolved to time windows.

Layers, from strongest to weakest: emergency schedules, other schedules by priority (a screen's
own before its group's at equal priority), the screen's own playlist, its groups' playlists, and
the default playlist (newest screen-suitable content for its region and the whole city), so a
screen is never blank. A layer whose playlist has nothing playable falls through to the next.
Times are local (``TIME_ZONE``); a schedule's weekdays and dates refer to the day a window starts.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from content.models import CONTENT_PAGE_MODELS, Region
from content.queries import live_content

DEFAULT_PLAYLIST_NAME = "默认播放列表"
DEFAULT_NEWEST = 20
HORIZON_DAYS = 8  # from today's midnight: at any time of the day, at least 7 days ahead


@dataclass
class Layer:
    rank: tuple
    playlist: object  # a Playlist, or None for the default playlist
    schedule: object = None  # the Schedule, or None for an all-time layer
    name: str = ""
    emergency: bool = False
    priority: int = 0
    entries: list = field(default_factory=list)  # [(page_id, weight, expire_at)]


def playable_pages():
    # The site's one "public" predicate (content.queries): what the site shows, screens play.
    return live_content()


def playlist_entries(playlist, now=None):
    """[(page_id, weight, expire_at)] in loop order for a playlist (before weighting)."""
    now = now or timezone.now()
    entries, seen = [], set()
    picked = list(playlist.items.order_by("sort_order", "pk").values_list("page_id", "weight"))
    live = dict(
        playable_pages()
        .filter(pk__in=[page_id for page_id, _ in picked])
        .values_list("pk", "expire_at")
    )
    for page_id, weight in picked:
        if page_id in live and page_id not in seen:
            entries.append((page_id, weight, live[page_id]))
            seen.add(page_id)
    if playlist.use_rules:
        queryset = playlist.as_filter().apply(playable_pages())
        if playlist.max_age_days:
            queryset = queryset.filter(
                first_published_at__gte=now - datetime.timedelta(days=playlist.max_age_days)
            )
        for page_id, expire_at in queryset.values_list("pk", "expire_at")[: playlist.newest]:
            if page_id not in seen:
                entries.append((page_id, 1, expire_at))
                seen.add(page_id)
    return entries


def default_entries(region, audience_ids=()):
    """Newest playable content for this region, the regions above it (the city) or no region."""
    paths = [region.path[:end] for end in range(4, len(region.path) + 1, 4)]
    region_ids = list(Region.objects.filter(path__in=paths).values_list("pk", flat=True))
    regional = Q(pk__in=[])
    unregioned = Q()
    for model in CONTENT_PAGE_MODELS:
        links = model.regions.through.objects
        source = f"{model._meta.model_name}_id"
        regional |= Q(pk__in=links.filter(region_id__in=region_ids).values(source))
        unregioned &= ~Q(pk__in=links.values(source))
    rows = list(
        playable_pages()
        .filter(regional | unregioned)
        .values_list("pk", "expire_at")[: DEFAULT_NEWEST * 2]
    )
    if audience_ids:
        emphasised = set()
        for model in CONTENT_PAGE_MODELS:
            emphasised.update(
                model.audiences.through.objects.filter(
                    audience_id__in=audience_ids,
                    **{f"{model._meta.model_name}_id__in": [pk for pk, _ in rows]},
                ).values_list(f"{model._meta.model_name}_id", flat=True)
            )
        # Stable: newest first within each half.
        rows.sort(key=lambda row: row[0] not in emphasised)
    return [(pk, 1, expire_at) for pk, expire_at in rows[:DEFAULT_NEWEST]]


def weighted_loop(entries):
    """Smooth weighted round-robin: weight 3 appears three times per loop, spread out."""
    if not entries:
        return []
    total = sum(weight for _, weight, _ in entries)
    current = [0] * len(entries)
    loop = []
    for _ in range(total):
        for index, (_, weight, _) in enumerate(entries):
            current[index] += weight
        best = max(range(len(entries)), key=lambda index: current[index])
        current[best] -= total
        loop.append(best)
    return [entries[index] for index in loop]


def _day_intervals(schedule, day, tz):
    """(start, end) aware datetimes of the schedule's window that starts on ``day``, or None."""
    if str(day.isoweekday()) not in schedule.weekdays:
        return None
    if schedule.start_date and day < schedule.start_date:
        return None
    if schedule.end_date and day > schedule.end_date:
        return None
    midnight = datetime.datetime.combine(day, datetime.time.min)
    if schedule.start_time is None or schedule.end_time is None:
        start, end = midnight, midnight + datetime.timedelta(days=1)
    else:
        start = datetime.datetime.combine(day, schedule.start_time)
        end = datetime.datetime.combine(day, schedule.end_time)
        if end <= start:  # crosses midnight
            end += datetime.timedelta(days=1)
    return timezone.make_aware(start, tz), timezone.make_aware(end, tz)


def horizon(now=None):
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now, tz).date()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min), tz)
    return start, start + datetime.timedelta(days=HORIZON_DAYS)


def resolve_windows(layers, start, end):
    """Non-overlapping [(start, end, layer, [entries])] covering start → end.

    ``layers`` carry their playlist entries already; scheduled layers are active only inside
    their windows. Item expiry splits windows so expired content drops out on time.
    """
    tz = timezone.get_current_timezone()
    intervals = []  # (start, end, layer)
    for layer in layers:
        if layer.schedule is None:
            intervals.append((start, end, layer))
            continue
        day = start.astimezone(tz).date() - datetime.timedelta(days=1)
        while day <= end.astimezone(tz).date():
            window = _day_intervals(layer.schedule, day, tz)
            if window and window[1] > start and window[0] < end:
                intervals.append((max(window[0], start), min(window[1], end), layer))
            day += datetime.timedelta(days=1)
    cuts = {start, end}
    for first, last, _ in intervals:
        cuts.update((first, last))
    for layer in layers:
        for _, _, expire_at in layer.entries:
            if expire_at and start < expire_at < end:
                cuts.add(expire_at)
    cuts = sorted(cuts)
    ordered = sorted(layers, key=lambda layer: layer.rank, reverse=True)
    windows = []
    for first, last in zip(cuts, cuts[1:], strict=False):
        active = {id(layer) for a, b, layer in intervals if a <= first and last <= b}
        for layer in ordered:
            if id(layer) not in active:
                continue
            entries = [entry for entry in layer.entries if not entry[2] or entry[2] >= last]
            if entries:
                break
        else:
            continue
        if (
            windows
            and windows[-1][2] is layer
            and windows[-1][3] == entries
            and windows[-1][1] == first
        ):
            windows[-1] = (windows[-1][0], last, layer, entries)
        else:
            windows.append((first, last, layer, entries))
    return windows


def screen_layers(screen, now=None, entries_for=None, default_for=None):
    """The layers that reach this screen, the default last. ``entries_for(playlist)`` and
    ``default_for(screen)`` may be memoised by callers (many screens share them)."""
    from .models import Schedule

    entries_for = entries_for or (lambda playlist: playlist_entries(playlist, now))
    default_for = default_for or (
        lambda screen: default_entries(
            screen.region, list(screen.audiences.values_list("pk", flat=True))
        )
    )
    groups = list(screen.groups())
    schedules = (
        Schedule.objects.filter(enabled=True)
        .filter(Q(screen=screen) | Q(group__in=groups))
        .select_related("playlist")
    )
    layers = []
    for schedule in schedules:
        own = 1 if schedule.screen_id == screen.pk else 0
        layers.append(
            Layer(
                rank=(2 if schedule.emergency else 1, schedule.priority, own, -schedule.pk),
                playlist=schedule.playlist,
                schedule=schedule,
                name=schedule.playlist.name,
                emergency=schedule.emergency,
                priority=schedule.priority,
            )
        )
    if screen.playlist_id:
        layers.append(Layer(rank=(0, 2, 0, 0), playlist=screen.playlist, name=screen.playlist.name))
    for group in groups:
        if group.playlist_id:
            layers.append(
                Layer(rank=(0, 1, 0, -group.pk), playlist=group.playlist, name=group.playlist.name)
            )
    for layer in layers:
        layer.entries = entries_for(layer.playlist)
    layers.append(
        Layer(
            rank=(0, 0, 0, 0),
            playlist=None,
            name=DEFAULT_PLAYLIST_NAME,
            entries=default_for(screen),
        )
    )
    return layers


def loop_order(layer, entries):
    from .models import PlaylistOrder

    if layer.playlist is not None and layer.playlist.order == PlaylistOrder.WEIGHTED:
        return weighted_loop(entries)
    return entries


def page_ids(entries):
    return [page_id for page_id, _, _ in entries]
