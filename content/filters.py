"""One content filter: type, audience, topic and region, read from a URL or a stored selection.

Listings, search, the feeds and the content API, and screens' playlists all narrow content the
same way: OR within a key, AND across keys, a region including everything below it. This module
reads those four keys from a query dict and applies them.

Reading a query dict:

- Each key may be repeated and each value may hold several values separated by commas (ASCII
  or full-width, as people type them); values are stripped and duplicates dropped.
- ``ContentFilter.parse`` is the shape check, with no database: at most ``MAX_VALUES`` values a
  key, each printable and at most ``MAX_VALUE_LENGTH`` long, types among ``CONTENT_KINDS``.
  ``check_known`` then asks the database whether the audiences, topics and regions exist (feeds
  do that only when their answer is not cached). ``strict`` is both, key by key.
- ``lenient`` never refuses: invalid and unknown values are dropped, so a stale or mistyped link
  shows a wider listing rather than an error.

Problems are raised as ``FilterError`` carrying what was wrong (``problem``, ``key``, ``value``,
``limit``); each public surface words it in its own established message.

A filter keeps its values in the order given (search shows chosen options first, in that order);
``canonical()`` sorts them, and ``query_string()`` is the canonical form: equal filters give
equal strings, which key caches and form self links.

``apply(queryset)`` narrows a Page queryset; ``matcher()`` answers the same question for items
already in memory (a catalogue's labels, a changed page), and agrees with ``apply``.
"""

from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from .models import CONTENT_KINDS

# (query key, attribute) in the one order every canonical form uses.
KEYS = (("type", "kinds"), ("audience", "audiences"), ("topic", "topics"), ("region", "regions"))
MAX_VALUES = 20
MAX_VALUE_LENGTH = 100
SEPARATORS = ("，",)  # read as ","


class FilterError(ValueError):
    """A filter value that cannot be answered.

    ``problem`` is ``"invalid"`` (not printable or too long), ``"too_many"`` (more than
    ``limit`` values) or ``"unknown"`` (no such type, audience, topic or region)."""

    def __init__(self, problem, key, value=None, limit=None):
        self.problem, self.key, self.value, self.limit = problem, key, value, limit
        super().__init__(f"{key}: {problem}" + (f": {value}" if value is not None else ""))


def raw_values(query, key):
    """The raw strings given for ``key``: from a QueryDict (repeated parameters), or from a
    plain mapping holding a string, a list of strings or None."""
    if hasattr(query, "getlist"):
        return query.getlist(key)
    raw = query.get(key)
    if raw is None:
        return []
    return [raw] if isinstance(raw, str) else [str(item) for item in raw]


def split_values(raw):
    """Comma-separated values (ASCII or full-width commas), stripped, without duplicates."""
    values = []
    for item in raw:
        for separator in SEPARATORS:
            item = item.replace(separator, ",")
        for value in item.split(","):
            value = value.strip()
            if value and value not in values:
                values.append(value)
    return values


def _valid(value):
    return len(value) <= MAX_VALUE_LENGTH and value.isprintable()


def database_vocabulary(key, values):
    """Those of ``values`` that exist for ``key`` (one query; types need none)."""
    from taggit.models import Tag

    from .models import Audience, Region

    if key == "type":
        return {value for value in values if value in CONTENT_KINDS}
    manager, field = {
        "audience": (Audience.objects, "slug"),
        "topic": (Tag.objects, "slug"),
        "region": (Region.objects, "code"),
    }[key]
    return set(manager.filter(**{f"{field}__in": values}).values_list(field, flat=True))


@dataclass(frozen=True)
class ContentFilter:
    kinds: tuple = ()
    audiences: tuple = ()
    topics: tuple = ()
    regions: tuple = ()

    # Reading

    @classmethod
    def parse(cls, query, *, known=None):
        """The filter in ``query``, or FilterError. Types are always checked; audiences, topics
        and regions only when ``known(key, values)`` (the existing ones) is given."""
        found = {}
        for key, attribute in KEYS:
            values = split_values(raw_values(query, key))
            invalid = next((value for value in values if not _valid(value)), None)
            if invalid is not None:
                raise FilterError("invalid", key, invalid)
            if len(values) > MAX_VALUES:
                raise FilterError("too_many", key, limit=MAX_VALUES)
            if key == "type" or known is not None:
                _check_known(key, values, known or database_vocabulary)
            found[attribute] = tuple(values)
        return cls(**found)

    @classmethod
    def strict(cls, query):
        """``parse`` and ``check_known`` together, key by key: the first problem is raised."""
        return cls.parse(query, known=database_vocabulary)

    def check_known(self, known=database_vocabulary):
        """FilterError naming the first audience, topic or region that does not exist."""
        for key, attribute in KEYS[1:]:
            _check_known(key, getattr(self, attribute), known)

    @classmethod
    def lenient(cls, query, known=database_vocabulary):
        """The filter in ``query`` keeping only valid values that exist; never raises. Only the
        first ``MAX_VALUES`` values of a key are looked at: nobody ticks more by hand."""
        found = {}
        for key, attribute in KEYS:
            raw = raw_values(query, key)[:MAX_VALUES]
            values = [value for value in split_values(raw) if _valid(value)][:MAX_VALUES]
            existing = known(key, values) if values else set()
            found[attribute] = tuple(value for value in values if value in existing)
        return cls(**found)

    # Forms

    def canonical(self):
        """The same filter with each key's values sorted."""
        return replace(self, **{f.name: tuple(sorted(getattr(self, f.name))) for f in fields(self)})

    def with_values(self, **values):
        """A copy with some keys replaced, e.g. an audience page's own audience."""
        return replace(self, **{name: tuple(value) for name, value in values.items()})

    def pairs(self):
        """(key, value) pairs, keys in their fixed order, values in this filter's order."""
        return [(key, value) for key, attribute in KEYS for value in getattr(self, attribute)]

    def query_string(self):
        """The canonical query string: equal filters give equal strings."""
        return urlencode(self.canonical().pairs())

    @property
    def active(self):
        return any(getattr(self, attribute) for _key, attribute in KEYS)

    # Selecting

    def apply(self, queryset):
        """Narrow a Page queryset of content (a fixed number of queries whatever it holds)."""
        from .queries import filter_content

        return filter_content(
            queryset,
            kinds=self.kinds,
            audiences=self.audiences,
            topics=self.topics,
            regions=self.regions,
        )

    def matcher(self, region_codes_within=None):
        """A predicate on items in memory, true where ``apply`` would keep the page.

        An item is a mapping or an object with ``kind`` (or ``type``), ``audiences``, ``topics``
        and ``regions`` (slugs and codes). A filter region keeps items of that region and of every
        region below it: ``region_codes_within(codes)`` gives those codes; by default one query
        over the region tree, made once here, not per item."""
        kinds, audiences, topics = set(self.kinds), set(self.audiences), set(self.topics)
        regions = set()
        if self.regions:
            regions = set((region_codes_within or codes_within)(self.regions))

        def matches(item):
            if kinds and _read(item, "kind", "type") not in kinds:
                return False
            if audiences and audiences.isdisjoint(_read(item, "audiences")):
                return False
            if topics and topics.isdisjoint(_read(item, "topics")):
                return False
            return not self.regions or not regions.isdisjoint(_read(item, "regions"))

        return matches


def _check_known(key, values, known):
    if values:
        existing = known(key, values)
        missing = next((value for value in values if value not in existing), None)
        if missing is not None:
            raise FilterError("unknown", key, missing)


def _read(item, *names):
    for name in names:
        if isinstance(item, dict):
            if name in item:
                return item[name]
        elif hasattr(item, name):
            return getattr(item, name)
    return () if names[0] != "kind" else None


def codes_within(codes):
    """The region codes of the given regions and of every region below them (two queries)."""
    from .queries import regions_within

    return set(regions_within(codes).values_list("code", flat=True))
