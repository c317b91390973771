"""The one "content changed" seam: what changed, told once per committed transaction.

Everything that derives something from public content (search's index, feed validators and the
WebSub hub, screen manifests, the home page's routes and fragments) learns of changes here
instead of listening to model signals of its own:

    from content.changes import content_changed

    def on_change(sender, change, **kwargs):  # change: a ContentChange
        ...

    content_changed.connect(on_change, dispatch_uid="myapp.content_changed")

``content_changed`` is sent after the transaction that made the change commits, once for that
transaction however many rows it wrote, and never for a transaction (or savepoint) that rolled
back. Outside a transaction every write is its own commit and is told at once. Receivers are
called robustly: one that raises is logged and the others still run (the change has committed,
there is nothing to undo).

Two things happen as rows are written, before the commit:

- The content generation's local part is replaced at once (``content.generation``), so this
  process stops reusing cached fragments during the transaction.
- What changed is recorded: pages (saved, created, deleted, published, unpublished, moved, their
  comic panels, topics, audiences, regions or view restrictions) and other rows pages show or are
  filtered by (images, documents, media, sites, taxonomy rows, and models other apps declare).

At commit the shared counter is raised (so every process moves on, ``content.generation``) and
then ``content_changed`` is sent with a ``ContentChange``. Its pages' types, audiences, topics
and regions are read on first use, in a fixed number of queries, so a receiver that does not
need them costs nothing; values a page lost in the transaction (a removed topic, a deleted page's
audiences) are included, since what listed the page before has changed too.

Which non-page models count: content's own (but the generation row), Wagtail sites, tags,
view restrictions, the image, document and media models, and every model another app names
in its AppConfig's ``content_models`` (labels such as ``"home.HomePageFeatured"``). Content
names no model of the apps above it.
"""

import contextlib
import functools
import logging
from dataclasses import dataclass, field

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.dispatch import Signal

from . import generation

logger = logging.getLogger(__name__)

# Sent with ``change``, a ContentChange, after commit (see the module docstring).
content_changed = Signal()

# What can happen to a page in a transaction (ChangedPage.actions).
CREATED = "created"
SAVED = "saved"
DELETED = "deleted"
PUBLISHED = "published"
UNPUBLISHED = "unpublished"
MOVED = "moved"
PANELS = "panels"  # a comic panel was saved or deleted
TAXONOMY = "taxonomy"  # an audience, topic or region link was added or removed
RESTRICTION = "restriction"  # a view restriction on the page was saved or deleted

# Page fields whose change on a live page may show or hide it.
VISIBILITY_FIELDS = frozenset(
    {"live", "expire_at", "go_live_at", "reviewed_by", "emergency_published_by", "expired"}
)


@dataclass(frozen=True)
class ChangedPage:
    pk: int
    model: type  # the specific page class (a plain Page when it could not be told)
    kind: str  # the public content type (article, video, comic, emergency); "" for other pages
    actions: frozenset
    visibility_changed: bool  # may have appeared on or disappeared from the public site
    audiences: frozenset = frozenset()  # slugs
    topics: frozenset = frozenset()  # tag slugs
    regions: frozenset = frozenset()  # region codes


class ContentChange:
    """What one committed transaction changed."""

    def __init__(self, pages, models):
        self._pages = pages  # pk -> _PageRecord
        self.models = frozenset(models)  # labels ("wagtailimages.image") of other rows changed

    def __repr__(self):
        return f"<ContentChange pages={sorted(self._pages)} models={sorted(self.models)}>"

    @property
    def page_ids(self):
        """The changed pages' pks (no query)."""
        return frozenset(self._pages)

    def page_ids_with(self, *actions):
        """The pks of pages with any of these actions (no query)."""
        wanted = set(actions)
        return frozenset(pk for pk, record in self._pages.items() if record.actions & wanted)

    @property
    def visibility_changed(self):
        """True when some page may have appeared on or disappeared from the public site."""
        return any(record.visible for record in self._pages.values())

    @functools.cached_property
    def pages(self):
        """The changed pages, with their types and taxonomy (read once, on first use)."""
        return _resolve(self._pages)

    @property
    def kinds(self):
        return frozenset(page.kind for page in self.pages if page.kind)

    @property
    def audiences(self):
        return frozenset().union(*(page.audiences for page in self.pages))

    @property
    def topics(self):
        return frozenset().union(*(page.topics for page in self.pages))

    @property
    def regions(self):
        return frozenset().union(*(page.regions for page in self.pages))


# --- recording ------------------------------------------------------------------------------


@dataclass
class _PageRecord:
    model: type | None = None
    actions: set = field(default_factory=set)
    visible: bool = False
    # (relation, pk) the page lost: ("audiences", 3), ("topics", 12), ("regions", 5)
    removed: set = field(default_factory=set)

    def merge(self, other):
        self.model = self.model or other.model
        self.actions |= other.actions
        self.visible = self.visible or other.visible
        self.removed |= other.removed


class _Records:
    """Changes recorded at one savepoint level, registered as an on-commit callback so that a
    rollback of that savepoint drops them with it."""

    def __init__(self, savepoints):
        self.savepoints = savepoints
        self.pages = {}
        self.models = set()
        self.survived = False

    def __call__(self):
        self.survived = True

    def page(self, pk):
        return self.pages.setdefault(pk, _PageRecord())


_SENDER_ATTRIBUTE = "_content_changes_sender"


class _Sender:
    """The on-commit callback that tells the transaction's change. Kept after every _Records of
    its transaction: when a later record lands behind it, a new sender is appended and this one
    stands down (moving it would upset Django's test capture of callbacks)."""

    def __init__(self, parts):
        self.parts = parts  # [_Records], shared with the sender that replaces this one
        self.done = False

    def __call__(self):
        if self.done:
            return
        self.done = True
        # Outside the test capture every part has run by now; in it, parts registered before
        # the capture began did not run and belong to no change told here.
        _send([part for part in self.parts if part.survived])


def _records(using=DEFAULT_DB_ALIAS):
    """The _Records that a change recorded now belongs to."""
    connection = connections[using]
    if not connection.in_atomic_block:
        return None
    savepoints = set(connection.savepoint_ids)
    hooks = connection.run_on_commit
    sender = getattr(connection, _SENDER_ATTRIBUTE, None)
    if sender is not None and sender.done:
        sender = None
    if sender is not None and len(hooks) >= 2 and hooks[-1][1] is sender:
        sids, before, _robust = hooks[-2]
        if isinstance(before, _Records) and sids == savepoints:
            return before
    records = _Records(savepoints)
    parts = [records]
    if sender is not None:
        # It stands down and its parts carry on in the new sender, so that the transaction is
        # told once even when other callbacks were registered in between. (Left over from a
        # transaction that rolled back, its parts never ran and are dropped when sending.)
        sender.done = True
        parts = [*sender.parts, records]
    connection.on_commit(records)
    sender = _Sender(parts)
    # No savepoint ids: a savepoint rollback never drops the sender, only its parts.
    hooks.append((set(), sender, False))
    setattr(connection, _SENDER_ATTRIBUTE, sender)
    return records


@contextlib.contextmanager
def _recording():
    """The _Records to write a change into; outside a transaction the write has committed
    already, so the change is told as soon as it is written down."""
    generation.bump_generation()
    records = _records()
    if records is not None:
        yield records
        return
    records = _Records(set())
    yield records
    records.survived = True
    _send([records])


def _send(parts):
    pages, models = {}, set()
    for part in parts:
        models |= part.models
        for pk, record in part.pages.items():
            pages.setdefault(pk, _PageRecord()).merge(record)
    if not pages and not models:
        return
    generation.publish_generation()
    change = ContentChange(pages, models)
    for receiver, result in content_changed.send_robust(sender=ContentChange, change=change):
        if isinstance(result, Exception):
            logger.error("content_changed receiver %r failed", receiver, exc_info=result)


# --- what counts ----------------------------------------------------------------------------


@functools.cache
def _watched_models():
    """Labels of the non-page models whose rows pages show or are filtered by."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    labels = {
        "wagtailcore.site",
        "wagtailcore.pageviewrestriction",
        "taggit.tag",
        get_image_model()._meta.label_lower,
        get_document_model()._meta.label_lower,
        "wagtailmedia.media",
    }
    labels |= {
        model._meta.label_lower
        for model in apps.get_app_config("content").get_models()
        if model._meta.model_name != "contentgeneration"
    }
    for config in apps.get_app_configs():
        for label in getattr(config, "content_models", ()):
            labels.add(apps.get_model(label)._meta.label_lower)
    return frozenset(labels)


@functools.cache
def _page_links():
    """{through model: (page field name, relation, value field name)} of the taxonomy links."""
    from .models import CONTENT_PAGE_MODELS, ContentPageTag

    links = {ContentPageTag: ("content_object_id", "topics", "tag_id")}
    for model in CONTENT_PAGE_MODELS:
        for relation in ("audiences", "regions"):
            through = getattr(model, relation).through
            remote = model._meta.get_field(relation).m2m_reverse_field_name()
            local = model._meta.get_field(relation).m2m_field_name()
            links[through] = (f"{local}_id", relation, f"{remote}_id")
    return links


def _page_class(instance):
    from wagtail.models import Page

    if type(instance) is Page:
        try:
            return instance.specific_class or Page
        except Exception:  # noqa: BLE001 - a content type gone with its app: a plain page
            return Page
    return type(instance)


def _record_page(instance, action, visible=False, removed=()):
    with _recording() as records:
        record = records.page(instance.pk)
        record.model = record.model or _page_class(instance)
        record.actions.add(action)
        record.visible = record.visible or visible
        record.removed.update(removed)


def _record_link(page_pk, relation, removed_pk=None):
    with _recording() as records:
        record = records.page(page_pk)
        record.actions.add(TAXONOMY)
        if removed_pk is not None:
            record.removed.add((relation, removed_pk))


def _record_model(instance):
    with _recording() as records:
        records.models.add(instance._meta.label_lower)


# --- receivers ------------------------------------------------------------------------------


_STATE_ATTRIBUTE = "_content_changes_public_state"
_STATE_FIELDS = ("live", "reviewed_by", "emergency_published_by", "expire_at")


def _public_state(instance):
    """What decides whether a content page is public, as far as this instance holds it (None
    when a field is deferred: reading it would cost a query per page)."""
    values = instance.__dict__
    if any(name not in values for name in _STATE_FIELDS):
        return None
    return (
        values["live"],
        bool(values["reviewed_by"] or values["emergency_published_by"]),
        values["expire_at"],
    )


def _loaded(sender, instance, **kwargs):
    # Remembered as loaded, so that a save can tell whether it showed or hid the page.
    setattr(instance, _STATE_ATTRIBUTE, _public_state(instance) if instance.pk else None)


def _visibility_changed(instance, created, update_fields):
    if created:
        return instance.live
    if update_fields is not None and not set(update_fields) & VISIBILITY_FIELDS:
        # A draft saved on a live page writes its bookkeeping fields only; what the editor
        # changed on the instance reaches the row when it is published.
        return False
    before = getattr(instance, _STATE_ATTRIBUTE, None)
    after = _public_state(instance)
    setattr(instance, _STATE_ATTRIBUTE, after)
    if before is not None and after is not None:
        return before != after
    # Not a content page loaded whole: a live page, or one whose live flag was written, may
    # have been shown or hidden.
    return instance.live or (update_fields is not None and "live" in update_fields)


def _saved(sender, instance, created=False, update_fields=None, **kwargs):
    from wagtail.models import Page

    if isinstance(instance, Page):
        visible = _visibility_changed(instance, created, update_fields)
        _record_page(instance, CREATED if created else SAVED, visible)
    else:
        _row_changed(sender, instance, deleted=False)


def _deleted(sender, instance, **kwargs):
    from wagtail.models import Page

    if isinstance(instance, Page):
        _record_page(instance, DELETED, visible=instance.live)
    else:
        _row_changed(sender, instance, deleted=True)


def _row_changed(sender, instance, deleted):
    """A row other than a page's own was saved or deleted."""
    from wagtail.models import PageViewRestriction

    from .models import ComicPanel

    if sender in _page_links():
        page_field, relation, value = _page_links()[sender]
        lost = getattr(instance, value) if deleted else None
        _record_link(getattr(instance, page_field), relation, lost)
    elif isinstance(instance, ComicPanel):
        _record_panel(instance)
    elif isinstance(instance, PageViewRestriction):
        _record_restriction(instance)
    elif instance._meta.label_lower in _watched_models():
        _record_model(instance)


def _record_panel(panel):
    from .models import ComicPage

    if panel.page_id:
        with _recording() as records:
            record = records.page(panel.page_id)
            record.model = record.model or ComicPage
            record.actions.add(PANELS)


def _record_restriction(restriction):
    with _recording() as records:
        records.models.add(restriction._meta.label_lower)
        if restriction.page_id:
            record = records.page(restriction.page_id)
            record.actions.add(RESTRICTION)
            record.visible = True


def _links_changed(sender, instance=None, action="", reverse=False, pk_set=None, **kwargs):
    from wagtail.models import Page

    if not action.startswith("post_"):
        return
    if sender not in _page_links():
        # Other links of what pages show (an image's tags) count as a change of that row.
        if isinstance(instance, Page):
            _record_page(instance, SAVED)
        elif instance._meta.label_lower in _watched_models():
            _record_model(instance)
        return
    _page_field, relation, _value = _page_links()[sender]
    removed = action in ("post_remove", "post_clear")
    if reverse:
        # Seen from the audience or region: pk_set names pages.
        for page_pk in pk_set or ():
            _record_link(page_pk, relation, instance.pk if removed else None)
        if not pk_set:
            _record_model(instance)
        return
    if removed and pk_set:
        for value in pk_set:
            _record_link(instance.pk, relation, value)
    else:
        _record_link(instance.pk, relation)


def _published(sender, instance, **kwargs):
    _record_page(instance, PUBLISHED, visible=True)


def _unpublished(sender, instance, **kwargs):
    _record_page(instance, UNPUBLISHED, visible=True)


def _moved(sender, instance, **kwargs):
    # A move can take a page into or out of a restricted section or another site.
    _record_page(instance, MOVED, visible=True)


def connect():
    from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from .models import CONTENT_PAGE_MODELS

    for model in CONTENT_PAGE_MODELS:
        post_init.connect(_loaded, sender=model, dispatch_uid=f"content.changes.loaded.{model}")

    page_published.connect(_published, dispatch_uid="content.changes.published")
    page_unpublished.connect(_unpublished, dispatch_uid="content.changes.unpublished")
    post_page_move.connect(_moved, dispatch_uid="content.changes.moved")
    post_save.connect(_saved, dispatch_uid="content.changes.saved")
    post_delete.connect(_deleted, dispatch_uid="content.changes.deleted")
    # Audiences and regions are many-to-many on each page type; setting them saves no row of a
    # model with its own post_save, so the link change itself must count.
    m2m_changed.connect(_links_changed, dispatch_uid="content.changes.links")


# --- reading a change's pages ---------------------------------------------------------------


def _resolve(records):
    """ChangedPage for each record, in a fixed number of queries."""
    from wagtail.models import Page

    from .models import CONTENT_PAGE_MODELS, Audience, ContentPageTag, Region

    unknown = [pk for pk, record in records.items() if record.model in (None, Page)]
    models = {pk: record.model for pk, record in records.items()}
    if unknown:
        for page in Page.objects.filter(pk__in=unknown).only("pk", "content_type"):
            models[page.pk] = _page_class(page)
    taxonomy = {pk: {"audiences": set(), "topics": set(), "regions": set()} for pk in records}
    by_model = {}
    for pk, model in models.items():
        if model is not None and issubclass(model, CONTENT_PAGE_MODELS):
            by_model.setdefault(model, []).append(pk)
    for model, pks in by_model.items():
        for relation, value in (("audiences", "slug"), ("regions", "code")):
            rows = model.objects.filter(pk__in=pks, **{f"{relation}__isnull": False})
            for pk, slug in rows.values_list("pk", f"{relation}__{value}"):
                taxonomy[pk][relation].add(slug)
    if by_model:
        pks = [pk for group in by_model.values() for pk in group]
        tags = ContentPageTag.objects.filter(content_object_id__in=pks)
        for pk, slug in tags.values_list("content_object_id", "tag__slug"):
            taxonomy[pk]["topics"].add(slug)
    _add_removed(records, taxonomy, Audience, Region, ContentPageTag.tag.field.related_model)
    pages = []
    for pk, record in sorted(records.items()):
        model = models.get(pk) or Page
        pages.append(
            ChangedPage(
                pk=pk,
                model=model,
                kind=getattr(model, "content_kind", "") or "",
                actions=frozenset(record.actions),
                visibility_changed=record.visible,
                audiences=frozenset(taxonomy[pk]["audiences"]),
                topics=frozenset(taxonomy[pk]["topics"]),
                regions=frozenset(taxonomy[pk]["regions"]),
            )
        )
    return tuple(pages)


def _add_removed(records, taxonomy, audience_model, region_model, tag_model):
    wanted = {"audiences": set(), "topics": set(), "regions": set()}
    for record in records.values():
        for relation, value in record.removed:
            wanted[relation].add(value)
    sources = {
        "audiences": (audience_model, "slug"),
        "regions": (region_model, "code"),
        "topics": (tag_model, "slug"),
    }
    names = {}
    for relation, pks in wanted.items():
        if pks:
            model, attribute = sources[relation]
            names[relation] = dict(model.objects.filter(pk__in=pks).values_list("pk", attribute))
    for pk, record in records.items():
        for relation, value in record.removed:
            name = names.get(relation, {}).get(value)
            if name is not None:
                taxonomy[pk][relation].add(name)
