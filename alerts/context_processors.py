"""The alert banner on every public page (``templates/alerts/banner.html``, from ``base.html``).

The banner is rendered on every request around the cached parts of a page, never inside a
content fragment: fragments are keyed on the content generation, which an alert does not move,
so a banner inside one would stay (or stay away) until the next content change. Its alerts come
from ``alerts.active.active_alerts``, memoised per process for at most two seconds, so an alert
issued or cancelled by any process shows or goes within seconds at no query per request.

Lazy: the processor runs for every template rendered with a request (the admin's too); only a
template that reads ``alert_banner`` costs the memo's query.
"""

from django.utils.functional import cached_property

from . import active

# More than this many alerts at once: the most severe are shown, then "另有 N 条".
BANNER_MAX = 3


class Banner:
    @cached_property
    def alerts(self):
        return active.active_alerts()

    @property
    def shown(self):
        return self.alerts[:BANNER_MAX]

    @property
    def more(self):
        return max(0, len(self.alerts) - BANNER_MAX)

    def __bool__(self):
        return bool(self.alerts)

    def __len__(self):
        return len(self.alerts)


def alert_banner(request):
    return {"alert_banner": Banner()}
