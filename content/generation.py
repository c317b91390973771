"""The content generation: one token in the cache, replaced whenever public content may change.

Anything derived only from content (rendered card lists, filter choices, the main navigation,
routing results, a page's rendered body) can be cached under the current generation and is
simply never read again once the generation moves on; nothing has to be deleted, and every
process sharing the cache (Redis) switches at the same moment.

The token changes on publish, unpublish, move, delete and direct saves of pages (imports, data
fixes), and on saves/deletes of what pages show or are filtered by: audiences, regions, topic
tags, images, videos, documents, sites, view restrictions and the home page's featured picks.
It is bumped both at once and again after the transaction commits, so a reader that re-renders
between the save and the commit cannot leave a stale fragment behind under the final token.

Scheduled expiry (``expire_at``) passes without a signal until the worker unpublishes the page
(``content.scheduling``, every ``PUBLISH_SCHEDULED_SECONDS``), so cached fragments also carry a
timeout (``FRAGMENT_TIMEOUT``): an expired page disappears from listings within that time even
where the worker's change does not reach this process's cache.
"""

import time

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "content:generation"
# How long a fragment may live even without a change signal (see the module docstring).
FRAGMENT_TIMEOUT = 300
# Memo attribute on the request: one cache read per request however many fragments it uses.
_REQUEST_ATTRIBUTE = "_content_generation"


def current_generation(request=None):
    """The current token; with a request, read once and remembered for that request."""
    if request is not None:
        token = getattr(request, _REQUEST_ATTRIBUTE, None)
        if token is not None:
            return token
    token = cache.get(GENERATION_KEY)
    if token is None:
        token = f"{time.time_ns():x}"
        # add(): two processes starting cold agree on one token.
        if not cache.add(GENERATION_KEY, token, timeout=None):
            token = cache.get(GENERATION_KEY) or token
    if request is not None:
        setattr(request, _REQUEST_ATTRIBUTE, token)
    return token


def bump_generation():
    cache.set(GENERATION_KEY, f"{time.time_ns():x}", timeout=None)


def content_changed(sender=None, instance=None, **kwargs):
    """Signal receiver: bump now and again once the surrounding transaction commits."""
    if instance is not None and not _affects_public_pages(instance):
        return
    bump_generation()
    transaction.on_commit(bump_generation)


def _affects_public_pages(instance):
    from taggit.models import Tag
    from wagtail.models import Page, PageViewRestriction, Site

    if isinstance(instance, (Page, Site, PageViewRestriction, Tag)):
        return True
    label = instance._meta.app_label
    if label == "content":
        return True
    if label in {"wagtaildocs", "wagtailmedia"}:
        # Video pages show a media file and its captions document (and screens list both).
        return True
    if label == "home":
        # Renditions are made while pages render; they add files and never change a fragment.
        return instance._meta.model_name in {"customimage", "homepagefeatured"}
    return False


def connect():
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    page_published.connect(content_changed, dispatch_uid="content.generation.published")
    page_unpublished.connect(content_changed, dispatch_uid="content.generation.unpublished")
    post_page_move.connect(content_changed, dispatch_uid="content.generation.moved")
    post_save.connect(content_changed, dispatch_uid="content.generation.saved")
    post_delete.connect(content_changed, dispatch_uid="content.generation.deleted")
    # Audiences and regions are many-to-many on each page type; setting them saves no row of a
    # model with its own post_save, so the link change itself must count.
    m2m_changed.connect(_links_changed, dispatch_uid="content.generation.links")


def _links_changed(sender, instance=None, action="", **kwargs):
    if action.startswith("post_"):
        content_changed(sender, instance=instance)
