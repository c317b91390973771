"""Uploaded files under MEDIA_URL, served so that nothing private bypasses a permission check.

Documents are only ever served by Wagtail's document view (``/documents/<id>/<name>``), which
applies collection privacy; their files under ``/media/documents/`` are never served here.
Video and audio files (wagtailmedia) have no such view in Wagtail, so their files and
thumbnails are served here after the same checks: the privacy of their collection, and of the
pages that use them. Images (originals and renditions) are public and served as they are, and
only when ``SERVE_MEDIA`` is on; in production a web server serves those two folders itself and
hands every other ``/media/`` request to the app (see README, "Private files").
"""

import posixpath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import Http404, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views import static
from wagtail.models import Page, ReferenceIndex
from wagtailmedia.models import get_media_model

DOCUMENT_FOLDER = "documents"
CHECKED_FOLDERS = {"media", "media_thumbnails"}
# The folders a web server may serve straight from MEDIA_ROOT.
PUBLIC_FOLDERS = {"images", "original_images"}


def media_is_viewable(media, request):
    collection = media.collection
    if not all(r.accept_request(request) for r in collection.get_view_restrictions()):
        return False
    page_type = ContentType.objects.get_for_model(Page)
    page_ids = set(
        ReferenceIndex.get_references_to(media)
        .filter(base_content_type=page_type)
        .values_list("object_id", flat=True)
    )
    if not page_ids:
        return True
    # A file shown on any page this visitor may see is no secret to them.
    return any(
        all(r.accept_request(request) for r in page.get_view_restrictions())
        for page in Page.objects.filter(pk__in=[int(pk) for pk in page_ids])
    )


def serve(request, path):
    # The folder decides the check, so it must be the folder the file is really in:
    # images/../documents/x would otherwise be judged as an image and served as a document.
    if "\\" in path or posixpath.normpath(path) != path or path.startswith(("/", "..")):
        raise Http404
    folder = path.split("/", 1)[0]
    if folder == DOCUMENT_FOLDER:
        raise Http404
    if folder in CHECKED_FOLDERS:
        media = get_media_model().objects.filter(Q(file=path) | Q(thumbnail=path)).first()
        if media is None:
            raise Http404
        if not media_is_viewable(media, request):
            return HttpResponseForbidden(_("此文件受访问限制。"), content_type="text/plain")
    elif folder not in PUBLIC_FOLDERS or not settings.SERVE_MEDIA:
        raise Http404
    return static.serve(request, path, document_root=settings.MEDIA_ROOT)
