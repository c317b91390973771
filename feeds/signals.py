"""With a WebSub hub configured, publishing or withdrawing content notifies it.

Content knows nothing of feeds; feeds subscribe to ``content.changes.content_changed`` here, which
is sent after commit (the hub fetches the topic at once and must see the new rows). Feed
validators need no receiver of their own: they are cached under the content generation
(``content.caching``), which has moved on by then.
"""

from django.conf import settings

from content import changes
from content.changes import content_changed

from .websub import notify_hub, topic_urls


def published_or_withdrawn(sender, change, **kwargs):
    hub = getattr(settings, "WEBSUB_HUB_URL", "")
    if not hub or not change.page_ids_with(changes.PUBLISHED, changes.UNPUBLISHED):
        return
    urls = {}  # ordered, without repeats: one notification names every changed topic
    for page in change.pages:
        if page.kind and page.actions & {changes.PUBLISHED, changes.UNPUBLISHED}:
            urls.update(dict.fromkeys(topic_urls(page)))
    if urls:
        notify_hub.enqueue(hub, list(urls))


def connect():
    content_changed.connect(published_or_withdrawn, dispatch_uid="feeds.content_changed")
