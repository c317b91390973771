"""WebSub: tell the hub which feed URLs changed when content is published or withdrawn.

The notification runs as a django-tasks task so a slow or failing hub never fails a publish. A
failed attempt is retried after the delays in ``WEBSUB_RETRY_DELAYS``: deferred to a later run on
backends that can defer (the database backend in production), or after a pause in the same run
on the immediate backend.
"""

import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlencode, urljoin, urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (1, 4, 16)
TIMEOUT = 5


class HubError(Exception):
    pass


def retry_delays():
    return tuple(getattr(settings, "WEBSUB_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))


def topic_urls(page):
    """The feed URLs whose content this changed page (a ``content.changes.ChangedPage``)
    affects: the unfiltered feeds and the single-filter feeds for its type, audiences, topics
    and regions (with the regions above them, since a city feed includes its districts), in
    every format."""
    from content.models import Region

    base = settings.SITE_URL + "/"
    filters = [("type", page.kind)]
    filters += [("audience", slug) for slug in page.audiences]
    filters += [("topic", slug) for slug in page.topics]
    for region in Region.objects.filter(code__in=page.regions):
        filters += [("region", ancestor.code) for ancestor in region.get_ancestors()]
        filters.append(("region", region.code))
    queries = [""] + sorted({urlencode([pair]) for pair in filters})
    urls = []
    for kind in ("rss", "atom", "json"):
        path = urljoin(base, reverse(f"feeds:{kind}"))
        urls += [path + (f"?{query}" if query else "") for query in queries]
    return urls


def post_publish(hub_url, urls):
    """One hub.mode=publish POST naming every changed topic; HubError unless the hub says 2xx."""
    if urlsplit(hub_url).scheme not in {"http", "https"}:
        raise HubError(f"WEBSUB_HUB_URL must be http(s): {hub_url!r}")
    body = urlencode([("hub.mode", "publish")] + [("hub.url", url) for url in urls]).encode()
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        hub_url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        raise HubError(f"hub answered {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        raise HubError(f"hub unreachable: {error}") from error
    if not 200 <= status < 300:
        raise HubError(f"hub answered {status}")
    return status


@task()
def notify_hub(hub_url, urls, attempt=1):
    delays = retry_delays()
    while True:
        try:
            return post_publish(hub_url, urls)
        except HubError as error:
            if attempt > len(delays):
                logger.error("WebSub notification failed after %d attempts: %s", attempt, error)
                raise
            delay = delays[attempt - 1]
            logger.warning("WebSub attempt %d failed (%s); retrying in %ss", attempt, error, delay)
            attempt += 1
            if notify_hub.get_backend().supports_defer:
                notify_hub.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                    hub_url, urls, attempt
                )
                return None
            time.sleep(delay)
