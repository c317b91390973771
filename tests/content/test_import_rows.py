"""The importer's shortcuts write what Wagtail's own create-and-publish writes.

The importer publishes a page it has just created without Wagtail's full save of the row, and
inserts the line's log entries together (content.review, content.importer.writer). Each line
below is imported, then written again as a twin through Wagtail's plain calls (add_child,
save_revision, publish from the revision, with the reference index and search index updated by
Wagtail's own signal handlers); every row the two leave behind must match, apart from what
names the row itself (ids, slug, path, external id, timestamps).
"""

import json
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from modelsearch import index
from wagtail.blocks import StreamValue
from wagtail.models import Page, PageLogEntry, ReferenceIndex
from wagtail.search.models import IndexEntry

from content.importer import Importer
from content.importer.files import FileChecker
from content.models import ComicPage, ImportedItem
from content.models.review import ReviewClearance
from content.review import publish_cleared
from tests.content.test_import import article, comic, emergency, run, video

pytestmark = pytest.mark.django_db

NAMES_THE_ROW = {
    "id",
    "page_ptr_id",
    "path",
    "slug",
    "url_path",
    "external_id",
    "translation_key",
    "latest_revision_id",
    "live_revision_id",
    "pk",
}
# Told apart only by being set or not: they hold the moment of writing.
TIMES = {"latest_revision_created_at", "first_published_at", "last_published_at"}


def twin(line, folder):
    """Write ``line`` under another external id the way Wagtail's admin does, not the
    importer's shortcuts; return the page."""
    importer = Importer()
    writer = importer._writer
    raw = json.dumps(dict(line, external_id=f"{line['external_id']}-twin")).encode()
    plan = importer.plan(1, raw, FileChecker(folder))
    model = plan.line.page_model

    def stored(source_file, title, description="", duration=0):
        if source_file is None:
            return None
        return writer.files.store(source_file, title, description, duration, [], {})

    page = model(live=False)
    writer._set_fields(page, plan.line, stored)
    parent = writer._parent_for(model)
    page.slug = writer._free_slug(parent, page.title, plan.line.external_id)
    parent.add_child(instance=page)
    writer._set_relations(page, plan.line, stored, {})
    revision = page.save_revision()
    publish_cleared(
        revision,
        route=ReviewClearance.IMPORT,
        name=page.reviewed_by,
        organisation=page.review_organisation,
        reviewed_on=page.reviewed_at,
    )
    # Wagtail's reference index task and search handler read the page when its publish saved
    # the row, before modelcluster committed the topics and audiences: both indexes as they
    # stand once the page is written (as the importer indexes, after the line).
    page = model.objects.get(pk=page.pk)
    ReferenceIndex.create_or_update_for_object(page)
    index.insert_or_update_object(page)
    return page


def plain(value):
    """A field's value, with StreamField block ids (new uuids on every parse) left out and
    JSON keys in one order (PostgreSQL's jsonb keeps its own)."""
    if isinstance(value, StreamValue):
        value = value.get_prep_value()
    elif isinstance(value, str) and value.startswith("[{"):
        value = json.loads(value)
    else:
        return value
    return json.dumps(_without_ids(value), ensure_ascii=False, sort_keys=True)


def _without_ids(value):
    if isinstance(value, list):
        return [_without_ids(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_ids(item) for key, item in value.items() if key != "id"}
    return value


def row(instance):
    values = {
        field.attname: plain(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in NAMES_THE_ROW
    }
    return values | {name: values[name] is not None for name in TIMES}


def revision_content(page):
    content = {name: plain(value) for name, value in page.live_revision.content.items()}
    for name in NAMES_THE_ROW:
        content.pop(name, None)
    for name in TIMES:
        content[name] = content[name] is not None
    for relation in ("panels", "tagged_items"):
        content[relation] = [
            {k: v for k, v in item.items() if k not in {"pk", "page", "content_object"}}
            for item in content.get(relation, [])
        ]
    return content


def terms(text):
    """An index entry's terms, with their weights but not their positions: a page's topics
    come in no defined order (taggit's links have none), so on PostgreSQL the same terms may
    sit at other positions of the tsvector."""
    return sorted(re.sub(r":[\d,]+", ":", term) for term in str(text).split())


def written(page):
    """Everything written for ``page``, less what names it."""
    page_type = ContentType.objects.get_for_model(page)
    clearance = ReviewClearance.objects.get(revision=page.live_revision)
    return {
        "page": row(page),
        "revisions": page.revisions.count(),
        "revision": revision_content(page),
        "log": [
            (entry.action, entry.user_id, entry.data, entry.content_changed, entry.deleted)
            + (entry.label, entry.revision_id == page.live_revision_id)
            for entry in PageLogEntry.objects.filter(page=page).order_by("pk")
        ],
        "references": sorted(
            # A child row's pk in the path (tagged_items.<pk>.tag) names that row.
            (model_path, re.sub(r"\.\d+\.", ".<pk>.", content_path), to_type, to_id)
            for model_path, content_path, to_type, to_id in ReferenceIndex.objects.filter(
                content_type=page_type, object_id=str(page.pk)
            ).values_list("model_path", "content_path", "to_content_type_id", "to_object_id")
        ),
        "search": [
            {name: terms(text) for name, text in entry.items()}
            for entry in IndexEntry.objects.filter(
                content_type=page_type, object_id=str(page.pk)
            ).values("title", "autocomplete", "body")
        ],
        "clearance": (clearance.route, clearance.name, clearance.organisation, clearance.user),
        "audiences": list(page.audiences.values_list("pk", flat=True)),
        "regions": list(page.regions.values_list("pk", flat=True)),
        "topics": sorted(page.tags.values_list("name", flat=True)),
        "panels": [
            (panel.image_id, panel.alt, panel.text, panel.sort_order)
            for panel in (page.panels.all() if isinstance(page, ComicPage) else [])
        ],
    }


@pytest.mark.parametrize("make", [article, video, comic, emergency])
def test_an_imported_page_is_written_as_wagtail_writes_it(export, make, settings):
    line = make()
    path = export(line)
    out, err, error = run(path)
    assert error is None, err
    imported = Page.objects.get(pk=ImportedItem.objects.get().page_id).specific

    written_by_wagtail = written(twin(line, path.parent))
    written_by_import = written(imported)

    for key, value in written_by_wagtail.items():
        if isinstance(value, dict):
            differing = {
                name: (written_by_import[key].get(name), value[name])
                for name in value.keys() | written_by_import[key].keys()
                if written_by_import[key].get(name) != value.get(name)
            }
            assert (key, differing) == (key, {})
        assert (key, written_by_import[key]) == (key, value)
    assert written_by_import["log"][0][0] == "wagtail.create"
    assert written_by_import["log"][-1][0] == "wagtail.publish"
    assert written_by_import["search"], "the imported page is indexed"
    assert written_by_import["references"], "the imported page's references are indexed"
