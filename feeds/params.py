"""The filter and paging parameters shared by the feeds and the content API.

Parsing is pure (no database): it checks shapes and bounds and gives a canonical form that keys
the caches and forms the feed's self URL. Whether an audience, topic or region exists is checked
against the database only when a validator has to be computed (see ``feeds.validators``).
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from content.queries import CONTENT_KINDS

FILTERS = ("type", "audience", "topic", "region")
DEFAULT_LIMIT = 30
MAX_LIMIT = 100
# Deep pages cost an OFFSET scan and no reader needs them; 1,000 pages of 100 is the whole corpus.
MAX_PAGE = 1000
MAX_VALUES_PER_FILTER = 20
MAX_VALUE_LENGTH = 100
MAX_QUERY_STRING = 2048


class BadParameters(ValueError):
    """The request's parameters cannot be answered; the message says why, in Chinese."""


@dataclass(frozen=True)
class ContentQuery:
    types: tuple = ()
    audiences: tuple = ()
    topics: tuple = ()
    regions: tuple = ()
    limit: int = DEFAULT_LIMIT
    page: int = 1

    @property
    def offset(self):
        return (self.page - 1) * self.limit

    def filter_pairs(self):
        """(name, value) pairs of the filters, sorted, so equal filters give equal strings."""
        pairs = []
        for name, values in zip(
            FILTERS, (self.types, self.audiences, self.topics, self.regions), strict=True
        ):
            pairs.extend((name, value) for value in values)
        return pairs

    def query_string(self, *, page=None, with_paging=True):
        pairs = self.filter_pairs()
        if with_paging:
            if self.limit != DEFAULT_LIMIT:
                pairs.append(("limit", str(self.limit)))
            page = self.page if page is None else page
            if page != 1:
                pairs.append(("page", str(page)))
        return urlencode(pairs)

    def cache_key(self):
        return self.query_string()


def _int(name, raw, default, low, high):
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit():
        raise BadParameters(_("%(name)s 必须是整数。") % {"name": name})
    value = int(raw[:12])
    if len(raw) > 12 or not low <= value <= high:
        raise BadParameters(
            _("%(name)s 必须在 %(low)d 到 %(high)d 之间。")
            % {"name": name, "low": low, "high": high}
        )
    return value


def _values(name, raw_values):
    values = []
    for raw in raw_values:
        for value in raw.split(","):
            value = value.strip()
            if not value:
                continue
            if len(value) > MAX_VALUE_LENGTH or not value.isprintable():
                raise BadParameters(_("%(name)s 的取值无效。") % {"name": name})
            if value not in values:
                values.append(value)
    if len(values) > MAX_VALUES_PER_FILTER:
        raise BadParameters(
            _("%(name)s 最多 %(max)d 个取值。") % {"name": name, "max": MAX_VALUES_PER_FILTER}
        )
    return tuple(sorted(values))


def parse(query_dict, query_string=""):
    """A ContentQuery from request.GET (a QueryDict), or BadParameters."""
    if len(query_string) > MAX_QUERY_STRING:
        raise BadParameters(_("查询字符串过长。"))
    unknown = sorted(set(query_dict) - {*FILTERS, "limit", "page"})
    if unknown:
        raise BadParameters(_("未知参数：%(names)s。") % {"names": ", ".join(unknown)[:200]})
    types = _values("type", query_dict.getlist("type"))
    bad_types = [value for value in types if value not in CONTENT_KINDS]
    if bad_types:
        raise BadParameters(
            _("未知的 type：%(value)s（可选 %(choices)s）。")
            % {"value": bad_types[0], "choices": ", ".join(CONTENT_KINDS)}
        )
    return ContentQuery(
        types=types,
        audiences=_values("audience", query_dict.getlist("audience")),
        topics=_values("topic", query_dict.getlist("topic")),
        regions=_values("region", query_dict.getlist("region")),
        limit=_int("limit", query_dict.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT),
        page=_int("page", query_dict.get("page"), 1, 1, MAX_PAGE),
    )
