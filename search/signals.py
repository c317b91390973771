"""Keep the index current on content changes that a plain post_save may not cover (told once
per committed transaction by ``content.changes``), and drop the cached synonym groups when
editors change them."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page

from content import changes
from content.changes import content_changed
from content.signals import bulk_import_finished, bulk_import_started, imported_pages_committed

from .indexing import begin_bulk_indexing, end_bulk_indexing, flush_bulk_indexing, index_soon
from .models import SynonymGroup
from .synonyms import forget_synonyms

post_save.connect(forget_synonyms, sender=SynonymGroup, dispatch_uid="kepu_search_synonyms_save")
post_delete.connect(
    forget_synonyms, sender=SynonymGroup, dispatch_uid="kepu_search_synonyms_delete"
)


@receiver(content_changed, dispatch_uid="kepu_search_content_changed")
def reindex_changed(sender, change, **kwargs):
    """Pages published, unpublished or moved (with everything below them: their paths moved
    too), and comics whose panels were saved on their own (by an importer or a script, not
    through the page editor). Plain saves and deletes are indexed by modelsearch's own
    handlers."""
    wanted = change.page_ids_with(
        changes.PUBLISHED, changes.UNPUBLISHED, changes.MOVED, changes.PANELS
    )
    if not wanted:
        return
    moved = change.page_ids_with(changes.MOVED)
    # Deleted pages are gone and need nothing more here; the index entry is the specific type's.
    for page in Page.objects.filter(pk__in=wanted).specific():
        index_soon(page)
        if page.pk in moved:
            for descendant in page.get_descendants().specific():
                index_soon(descendant)


@receiver(bulk_import_started, dispatch_uid="kepu_search_import_started")
def defer_indexing_during_import(sender, **kwargs):
    # An import saves each page several times (create, revision, publish); index it once.
    begin_bulk_indexing()


@receiver(bulk_import_finished, dispatch_uid="kepu_search_import_finished")
def index_after_import(sender, **kwargs):
    end_bulk_indexing()


@receiver(imported_pages_committed, dispatch_uid="kepu_search_import_committed")
def index_committed_pages(sender, pages, **kwargs):
    # Indexing follows each committed batch, so a killed import leaves no live page unsearchable
    # (pages it never got to are announced again by the next run).
    flush_bulk_indexing(pages)
