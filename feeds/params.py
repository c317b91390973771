"""The filter and paging parameters shared by the feeds and the content API.

Parsing is pure (no database): it checks shapes and bounds and gives a canonical form that keys
the caches and forms the feed's self URL. Whether an audience, topic or region exists is checked
against the database only when a validator has to be computed (see ``feeds.validators``).
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from content.filters import KEYS, MAX_VALUES, ContentFilter, FilterError
from content.models import CONTENT_KINDS

FILTERS = tuple(key for key, _attribute in KEYS)
DEFAULT_LIMIT = 30
MAX_LIMIT = 100
# Deep pages cost an OFFSET scan and no reader needs them; 1,000 pages of 100 is the whole corpus.
MAX_PAGE = 1000
MAX_QUERY_STRING = 2048


class BadParameters(ValueError):
    """The request's parameters cannot be answered; the message says why, in Chinese."""


def bad_filter(error):
    """BadParameters for a FilterError, in the feeds' and content API's wording."""
    name = error.key
    if error.problem == "invalid":
        return BadParameters(_("%(name)s 的取值无效。") % {"name": name})
    if error.problem == "too_many":
        return BadParameters(
            _("%(name)s 最多 %(max)d 个取值。") % {"name": name, "max": MAX_VALUES}
        )
    if name == "type":
        return BadParameters(
            _("未知的 type：%(value)s（可选 %(choices)s）。")
            % {"value": error.value, "choices": ", ".join(CONTENT_KINDS)}
        )
    return BadParameters(_("未知的 %(name)s：%(value)s。") % {"name": name, "value": error.value})


@dataclass(frozen=True)
class ContentQuery:
    """A feed's or the content API's filter (canonical: values sorted) and page."""

    filter: ContentFilter = field(default_factory=ContentFilter)
    limit: int = DEFAULT_LIMIT
    page: int = 1

    @property
    def offset(self):
        return (self.page - 1) * self.limit

    def filter_pairs(self):
        """(name, value) pairs of the filters, sorted, so equal filters give equal strings."""
        return self.filter.canonical().pairs()

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


def parse(query_dict, query_string=""):
    """A ContentQuery from request.GET (a QueryDict), or BadParameters. Pure: whether the
    audiences, topics and regions exist is asked only when a validator is computed."""
    if len(query_string) > MAX_QUERY_STRING:
        raise BadParameters(_("查询字符串过长。"))
    unknown = sorted(set(query_dict) - {*FILTERS, "limit", "page"})
    if unknown:
        raise BadParameters(_("未知参数：%(names)s。") % {"names": ", ".join(unknown)[:200]})
    try:
        content_filter = ContentFilter.parse(query_dict).canonical()
    except FilterError as error:
        raise bad_filter(error) from None
    return ContentQuery(
        filter=content_filter,
        limit=_int("limit", query_dict.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT),
        page=_int("page", query_dict.get("page"), 1, 1, MAX_PAGE),
    )
