"""With a WebSub hub configured, publishing or withdrawing content notifies it.

Content knows nothing of feeds; feeds listen to Wagtail's signals here. Feed validators need no
receiver of their own: they are cached under the content generation, which ``content.generation``
replaces on every change (publish, unpublish, save, delete, move).
"""

from django.conf import settings
from django.db import transaction
from wagtail.signals import page_published, page_unpublished

from content.models import CONTENT_PAGE_MODELS

from .websub import notify_hub, topic_urls


def published_or_withdrawn(sender, instance=None, **kwargs):
    hub = getattr(settings, "WEBSUB_HUB_URL", "")
    if hub and isinstance(instance, CONTENT_PAGE_MODELS):
        urls = topic_urls(instance)
        # After commit: the hub fetches the topic at once and must see the new rows.
        transaction.on_commit(lambda: notify_hub.enqueue(hub, urls))


def connect():
    page_published.connect(published_or_withdrawn, dispatch_uid="feeds.published")
    page_unpublished.connect(published_or_withdrawn, dispatch_uid="feeds.unpublished")
