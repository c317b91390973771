"""Writing one validated line: its page (created or updated, then published with the import's
review clearance or submitted for review), its files, topics and panels.

The caller owns the transaction: ``write`` runs inside the line's own savepoint, and whatever it
creates that later lines may reuse (files, topic tags) is noted in ``pending`` rather than
remembered, so a line that rolls back leaves nothing behind in memory either.
"""

import contextlib

from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from taggit.models import Tag
from wagtail.models import Page, ReferenceIndex, Revision
from wagtail.signal_handlers import disable_reference_index_auto_update

from ..models import Audience, ComicPanel, EmergencyGuidePage, ImportedItem, Region
from ..models.review import ReviewClearance
from ..review import publish_cleared
from ..structure import ensure_sections

SLUG_MAX_LENGTH = 80
IMPORT_UID = "content_importer_note_saved"


class Writer:
    def __init__(self, files, *, draft=False, user=None):
        self.files = files  # files.FileStore
        self.draft = draft
        self.user = user
        self._audiences = {a.pk: a for a in Audience.objects.all()}
        self._regions = {r.pk: r for r in Region.objects.all()}
        self.tags = {}  # topic name -> Tag, for tags committed in the database
        self._sections = None
        self._parents = {}  # pk -> section page, as add_child left it
        self._saved = {}  # (model, pk) -> instance saved while writing the current line

    @contextlib.contextmanager
    def noting_saves(self):
        # Writing one page saves its row three times (created, revision, published); Wagtail's
        # reference index would be rebuilt on each. Saves are noted instead, and each line
        # rebuilds it once per saved object before committing.
        post_save.connect(self._note_saved, dispatch_uid=IMPORT_UID)
        try:
            with disable_reference_index_auto_update():
                yield
        finally:
            post_save.disconnect(dispatch_uid=IMPORT_UID)

    def _note_saved(self, sender, instance, raw=False, **kwargs):
        if not raw and ReferenceIndex.is_indexed(sender):
            self._saved[(sender, instance.pk)] = instance

    def write(self, plan, written, pending):
        """Write ``plan`` (a validated line); return the page's id. Files stored are named in
        ``written``; files and tags created, in ``pending``."""
        self._saved = {}
        page_id = self._write_page(plan, written, pending)
        for instance in self._saved.values():
            ReferenceIndex.create_or_update_for_object(instance)
        return page_id

    def _write_page(self, plan, written, pending):
        line = plan.line
        model = line.page_model

        def stored(source_file, title, description="", duration=0):
            if source_file is None:
                return None
            return self.files.store(source_file, title, description, duration, written, pending)

        if plan.existing is not None:
            page = model.objects.get(pk=plan.existing.page_id)
            self._set_fields(page, line, stored)
            self._set_relations(page, line, stored, pending)
        else:
            page = model(live=False)
            self._set_fields(page, line, stored)
            parent = self._parent_for(model)
            # What Wagtail would look up while saving and publishing the page: the locale is
            # the parent's (a query for the parent's specific page otherwise), and a page
            # created in this transaction is no site's root (a Site query per save otherwise).
            page.locale_id = parent.locale_id
            page._is_site_root = False
            if not self.draft:
                # Nor is a workflow under way on it (Wagtail's prefetch hook; publishing asks).
                page._current_workflow_states = []
            page.slug = self._free_slug(parent, page.title, line.external_id)
            if self.draft:
                # A draft's own row is what the admin lists, so it carries everything.
                self._set_relations(page, line, stored, pending)
                parent.add_child(instance=page)
            else:
                # Publishing writes the row again from the revision; committing the relations
                # once, there, spares a round of link-table writes (and their signals).
                parent.add_child(instance=page)
                self._set_relations(page, line, stored, pending)

        if plan.existing is None and not self.draft:
            revision = self._first_revision(page)
        else:
            # Validated above, and a new page was cleaned by add_child's save: not again here.
            revision = page.save_revision(user=self.user, clean=plan.existing is not None)
        if self.draft:
            self._submit_for_review(page)
        else:
            # The trusted import path: the knowledge base reviewed the line, and the clearance
            # records that source as the reviewer (content.review).
            publish_cleared(
                revision,
                route=ReviewClearance.IMPORT,
                name=page.reviewed_by,
                organisation=page.review_organisation,
                user=self.user,
                reviewed_on=page.reviewed_at,
                saved_from=page,
                created=plan.existing is None,
            )
        recorded = {"content_hash": plan.fingerprint, "announced": False}
        if not self.draft:
            recorded["live_hash"] = plan.fingerprint
        if plan.existing is None:
            ImportedItem.objects.create(page_id=page.pk, **recorded)  # a new page has none
        else:
            ImportedItem.objects.update_or_create(page_id=page.pk, defaults=recorded)
        return page.pk

    def _first_revision(self, page):
        """What ``save_revision`` writes for a page created a moment ago, without its save of
        the page row: publishing saves the row right after with these same fields, so the row is
        written twice (created, published) instead of three times. A new page has no comments
        and no earlier revision, and the page was cleaned by add_child's save."""
        revision = Revision.objects.create(
            content_object=page,
            base_content_type=page.get_base_content_type(),
            user=self.user,
            content=page.serializable_data(),
            object_str=str(page),
        )
        page.latest_revision_created_at = revision.created_at
        page.draft_title = page.title
        page.latest_revision = revision
        page.has_unpublished_changes = True
        return revision

    def _set_fields(self, page, line, stored):
        for name, value in line.page_values().items():
            setattr(page, name, value)
        for name, spec in line.file_fields().items():
            title = str(spec.title) % page.title
            source_file = getattr(line, name)
            description = page.title if spec.described else ""
            duration = getattr(line, "duration", 0)
            setattr(page, f"{name}_id", stored(source_file, title, description, duration))
        if line.published_at is not None:
            page.first_published_at = line.published_at
        if not self.draft:
            page.reviewed_by = f"{line.source[:56]}（导入）"
            page.review_organisation = line.source
            page.reviewed_at = timezone.localdate(line.published_at or timezone.now())

    def _set_relations(self, page, line, stored, pending):
        page.audiences.set([self._audiences[pk] for pk in line.audiences])
        page.regions.set([self._regions[pk] for pk in line.regions])
        page.tags.set(self._tags_named(line.topics, pending))
        panels = getattr(line, "panels", None)
        if panels is not None:
            panel_title = _("%(title)s 第%(n)d格")
            page.panels = [
                ComicPanel(
                    image_id=stored(
                        panel.image, panel_title % {"title": page.title, "n": n}, panel.alt
                    ),
                    alt=panel.alt,
                    text=panel.text,
                    sort_order=n - 1,
                )
                for n, panel in enumerate(panels, 1)
            ]

    def _tags_named(self, names, pending):
        """Tag rows for these topic names, created when new; looked up once per run."""
        missing = [n for n in names if n not in self.tags and ("tag", n) not in pending]
        if missing:
            found = {tag.name: tag for tag in Tag.objects.filter(name__in=missing)}
            for name in missing:
                # Kept as pending until the line commits: a rolled-back tag must not be reused.
                pending[("tag", name)] = found.get(name) or Tag.objects.create(name=name)
        return [self.tags.get(name) or pending[("tag", name)] for name in names]

    def keep(self, pending):
        """Remember what committed lines created, for the lines after them."""
        for key, value in pending.items():
            if key[0] == "tag":
                self.tags[key[1]] = value
            else:
                self.files.stored[key] = value

    def _submit_for_review(self, page):
        workflow = page.get_workflow()
        if workflow is None:
            return
        current = page.current_workflow_state
        if current is not None:
            # The newest import supersedes whatever was waiting; review starts over on it.
            current.cancel(user=self.user)
        workflow.start(page, self.user)

    def _parent_for(self, model):
        if self._sections is None:
            content_index, emergency_index = ensure_sections()
            self._sections = (content_index.pk, emergency_index.pk)
        content_pk, emergency_pk = self._sections
        pk = emergency_pk if model is EmergencyGuidePage else content_pk
        if pk not in self._parents:
            self._parents[pk] = Page.objects.get(pk=pk)
        return self._parents[pk]

    def forget_parents(self):
        """Treebeard counts children on the parent instance: after a rollback (a line's, or a
        batch's) the cached parents believe in children that were never written, and the
        sections themselves may have been created by the batch that rolled back."""
        self._parents = {}
        self._sections = None

    def _free_slug(self, parent, title, external_id):
        base = (
            slugify(title, allow_unicode=True)[:SLUG_MAX_LENGTH].strip("-")
            or slugify(external_id)[:SLUG_MAX_LENGTH].strip("-")
            or "item"
        )
        taken = set(
            Page.objects.child_of(parent)
            .filter(slug__startswith=base)
            .values_list("slug", flat=True)
        )
        slug, suffix = base, 2
        while slug in taken:
            slug = f"{base}-{suffix}"
            suffix += 1
        return slug
