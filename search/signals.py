"""Keep the index current on page events that a plain post_save may not cover, and drop the
cached synonym groups when editors change them."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from content.models import ComicPanel
from content.signals import bulk_import_finished, bulk_import_started, imported_pages_committed

from .indexing import begin_bulk_indexing, end_bulk_indexing, flush_bulk_indexing, index_soon
from .models import SynonymGroup
from .synonyms import forget_synonyms

post_save.connect(forget_synonyms, sender=SynonymGroup, dispatch_uid="kepu_search_synonyms_save")
post_delete.connect(
    forget_synonyms, sender=SynonymGroup, dispatch_uid="kepu_search_synonyms_delete"
)


def _reindex(instance):
    # Signals may carry a plain Page; the index entry belongs to the specific type.
    index_soon(instance.specific_deferred)


@receiver(page_published, dispatch_uid="kepu_search_published")
@receiver(page_unpublished, dispatch_uid="kepu_search_unpublished")
def reindex_page(sender, instance, **kwargs):
    _reindex(instance)


@receiver(post_page_move, dispatch_uid="kepu_search_moved")
def reindex_moved_page(sender, instance, **kwargs):
    _reindex(instance)
    for descendant in instance.get_descendants().specific():
        index_soon(descendant)


@receiver(post_save, sender=ComicPanel, dispatch_uid="kepu_search_panel_saved")
@receiver(post_delete, sender=ComicPanel, dispatch_uid="kepu_search_panel_deleted")
def reindex_comic(sender, instance, raw=False, **kwargs):
    # Panels saved on their own (by an importer or a script, not through the page editor)
    # change the comic's searchable text too.
    if not raw and instance.page_id:
        from content.models import ComicPage

        page = ComicPage.objects.filter(pk=instance.page_id).first()
        if page is not None:
            index_soon(page)


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
