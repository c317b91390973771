"""The public content at a glance: which live pages there are and how each one is labelled.

Search asks the same two questions on every request: which pages may a result be (live,
public, unexpired content of this site, within the chosen filters) and how do the matches
count per type, audience, topic and region. Asked of the database, both scale with the number
of matches: a filter join per matched index entry, and facet queries that carry every matched
id as a parameter. The answers only change when content changes, so each process keeps one
``Catalogue`` built from the database and builds a new one when the content generation
(``content.generation``) moves on. Building costs a fixed number of queries (about one per
page type and relation); afterwards both questions are answered from memory.

After a change, concurrent searches wait for one build under the process's lock (the
catalogue lives in process memory, so each process builds its own; the cross-process lock of
``content.singleflight`` would not spare anything here).

Expiry (``expire_at``) passes without a signal; the catalogue keeps the expiry times and checks
them against the clock on each question, so an expired page leaves the answers on time.
"""

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import chain

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from content.generation import current_generation
from content.models import CONTENT_PAGE_MODELS, ContentPageTag, Region
from content.queries import published_content

FACETS = ("type", "audience", "topic", "region")
# Filter combinations remembered per catalogue; the public can ask for many.
MAX_REMEMBERED_FILTERS = 256


@dataclass
class Catalogue:
    generation: str
    # page pk -> its facet labels: ("type", "video"), ("audience", "elderly"), ...
    labels: dict = field(default_factory=dict)
    # page pk -> tree path, to narrow to one site's pages
    paths: dict = field(default_factory=dict)
    # page pk -> expire_at, for the pages that have one
    expiry: dict = field(default_factory=dict)
    # ("type" | "audience" | "topic" | "region", value) -> frozenset of page pks; a region
    # key holds the pages of that region and of every region below it
    members: dict = field(default_factory=dict)
    _allowed: dict = field(default_factory=dict, repr=False)

    def allowed_ids(self, *, site=None, kinds=(), audiences=(), topics=(), regions=(), now=None):
        """The pks of the live content (of ``site``) within the filters: OR within a filter,
        AND across, regions including the regions below them, as ``filter_content``."""
        now = now or timezone.now()
        key = (
            site.root_page.path if site is not None else "",
            tuple(sorted(kinds)),
            tuple(sorted(audiences)),
            tuple(sorted(topics)),
            tuple(sorted(regions)),
        )
        remembered = self._allowed.get(key)
        if remembered is not None and (remembered[1] is None or now < remembered[1]):
            return remembered[0]
        if key[0]:
            root = key[0]  # pages below the site's root page, as descendant_of()
            pks = {pk for pk, path in self.paths.items() if path.startswith(root) and path != root}
        else:
            pks = set(self.labels)
        for facet, values in zip(("type", "audience", "topic", "region"), key[1:], strict=True):
            if values:
                pks.intersection_update(
                    chain.from_iterable(self.members.get((facet, v), ()) for v in values)
                )
        expired = {pk for pk, moment in self.expiry.items() if moment <= now}
        allowed = frozenset(pks - expired)
        upcoming = [moment for pk, moment in self.expiry.items() if moment > now and pk in allowed]
        if len(self._allowed) >= MAX_REMEMBERED_FILTERS:
            self._allowed.clear()
        self._allowed[key] = (allowed, min(upcoming, default=None))
        return allowed

    def facet_counts(self, page_ids):
        """Counts per type, audience slug, topic slug and region code over the given page
        ids (pages outside the catalogue count nowhere)."""
        labels = self.labels
        counts = Counter(
            chain.from_iterable(labels[pk] for pk in dict.fromkeys(page_ids) if pk in labels)
        )
        facets = {facet: {} for facet in FACETS}
        for (facet, value), count in counts.items():
            facets[facet][value] = count
        return facets


_lock = threading.Lock()
_current = None


def get_catalogue():
    """The catalogue of the current content generation, built on first use after a change."""
    global _current
    # The token is read before the database: a change committed during the build moves the
    # token on (it is bumped again after commit), so this catalogue is replaced on next use.
    generation = current_generation()
    catalogue = _current
    if catalogue is not None and catalogue.generation == generation:
        return catalogue
    with _lock:
        if _current is None or _current.generation != generation:
            _current = build_catalogue(generation)
        return _current


def build_catalogue(generation):
    catalogue = Catalogue(generation=generation)
    labels = defaultdict(list)
    members = defaultdict(set)
    kinds = {}
    # Expired pages are left out per question, against the clock (see the module docstring).
    rows = published_content().order_by().values_list("pk", "path", "content_type_id", "expire_at")
    for pk, path, content_type_id, expire_at in rows:
        if content_type_id not in kinds:
            kinds[content_type_id] = _kind_of(content_type_id)
        kind = kinds[content_type_id]
        catalogue.paths[pk] = path
        if expire_at is not None:
            catalogue.expiry[pk] = expire_at
        labels[pk].append(("type", kind))
        members[("type", kind)].add(pk)
    live = catalogue.paths

    region_codes = dict(Region.objects.values_list("path", "code"))
    steplen = Region.steplen
    for model in CONTENT_PAGE_MODELS:
        source = f"{model._meta.model_name}_id"
        audience_links = model.audiences.through.objects.values_list(source, "audience__slug")
        for pk, slug in audience_links:
            if pk in live:
                labels[pk].append(("audience", slug))
                members[("audience", slug)].add(pk)
        region_links = model.regions.through.objects.values_list(
            source, "region__code", "region__path"
        )
        for pk, code, path in region_links:
            if pk in live:
                labels[pk].append(("region", code))
                for end in range(steplen, len(path) + 1, steplen):
                    ancestor = region_codes.get(path[:end])
                    if ancestor is not None:
                        members[("region", ancestor)].add(pk)
    for pk, slug in ContentPageTag.objects.values_list("content_object_id", "tag__slug"):
        if pk in live:
            labels[pk].append(("topic", slug))
            members[("topic", slug)].add(pk)

    catalogue.labels = {pk: tuple(labels[pk]) for pk in live}
    catalogue.members = {key: frozenset(pks) for key, pks in members.items()}
    return catalogue


def _kind_of(content_type_id):
    """The content kind of a page type: its own, or that of the content type it extends."""
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    for content_model in CONTENT_PAGE_MODELS:
        if model is not None and issubclass(model, content_model):
            return content_model.content_kind
    return None
