"""The knowledge-base importer behind ``import_content`` and ``load_demo``.

One JSON object per line (format: docs/import-format.md; the schema per content type is in
``schema``). Every line is validated completely before anything is written (``schema``,
``files``), then written (``writer``) in its own savepoint, so a bad line changes nothing while
the good lines around it still land; lines are committed together, a batch at a time, so that a
whole batch pays for one commit and one round of after-commit work (the content generation,
what listens to it) instead of each line. ``(source, external_id)`` is the identity across all
four page types. A fingerprint of the line (its normalised JSON plus the SHA-256 of every file it
names) is kept per page, so re-importing an unchanged line writes nothing — no revision, no new
files. Results are reported (``report``) once their batch has committed.
"""

import collections
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _
from wagtail.models import Page

from ..models import CONTENT_PAGE_MODELS, Audience, ImportedItem, Region
from ..signals import imported_pages_committed
from .files import FileChecker, FileStore, delete_written
from .report import (
    CREATED,
    FAILED,
    UNCHANGED,
    UPDATED,
    LineInvalid,
    LineResult,
    Problem,
    Summary,
)
from .schema import LineContext, parse_line, validate_line
from .writer import Writer

__all__ = [
    "CREATED",
    "FAILED",
    "UNCHANGED",
    "UPDATED",
    "Importer",
    "LineResult",
    "Problem",
    "Summary",
    "parse_line",
]

log = logging.getLogger(__name__)

# Part of every fingerprint: bump it when the importer starts writing pages differently, so the
# next import rewrites lines that were imported the old way.
FORMAT_VERSION = "1"

# Written lines share a transaction until there are this many of them or it has been open this
# long: one commit per batch instead of per line, while a long import still lets other writers
# (the site on SQLite) in every second and a killed run loses at most one batch, which the next
# run writes again.
BATCH_LINES = 50
BATCH_SECONDS = 1.0

# Committed pages are announced to listeners (search indexing) in batches of this many, and at
# the end of the run; see content.signals.imported_pages_committed.
ANNOUNCE_EVERY = 100


@dataclass
class Known:
    """What the importer knows of a page that already has an identity."""

    model: type
    page_id: int | None
    fingerprint: str | None  # of the newest revision the importer wrote, draft or published
    live: bool
    live_fingerprint: str | None  # of what the importer last published


@dataclass
class Plan:
    """A validated line: everything needed to write it, nothing written yet."""

    number: int
    line: object  # a schema.Line
    existing: Known | None
    fingerprint: str

    @property
    def identity(self):
        return self.line.identity


class _Batch:
    """Lines written in the open transaction, waiting for its commit."""

    def __init__(self):
        self.started = time.monotonic()
        self.results = []  # every line's result since the last commit, in order
        self.written = 0
        self.files = []  # names stored by written lines: deleted if the commit fails
        self.pending = {}  # files and tags the written lines created
        self.known = {}  # identity -> Known after these lines
        self.pages = {}  # model -> [page id]

    def full(self):
        return self.written >= BATCH_LINES or time.monotonic() - self.started >= BATCH_SECONDS


class Importer:
    """Import JSONL files. ``dry_run`` validates and reports without writing; ``draft`` submits
    pages to the site's review workflow instead of publishing them."""

    def __init__(self, *, dry_run=False, draft=False, user=None):
        self.dry_run = dry_run
        self.draft = draft
        self.user = user
        self._audiences = dict(Audience.objects.values_list("slug", "pk"))
        self._regions = dict(Region.objects.values_list("code", "pk"))
        self._known = self._load_identities()
        self._writer = Writer(FileStore(user), draft=draft, user=user)
        self._unannounced = {}  # model -> [pk], committed in this run, not yet announced
        self._batch = None
        self._atomic = None

    # Running ---------------------------------------------------------------------------------

    def import_file(self, path, report=None):
        """Import every line of ``path``; ``report(result, done, total)`` is called per line."""
        path = Path(path)
        raw_lines = path.read_bytes().split(b"\n")
        if raw_lines and raw_lines[0].startswith(b"\xef\xbb\xbf"):
            raw_lines[0] = raw_lines[0][3:]
        numbered = [(number, raw) for number, raw in enumerate(raw_lines, 1) if raw.strip()]
        checker = FileChecker(path.resolve().parent)
        summary = Summary()
        done = 0

        def finish(results):
            nonlocal done
            for result in results:
                done += 1
                summary.add(result)
                if report is not None:
                    report(result, done, len(numbered))

        with self._writer.noting_saves():
            if not self.dry_run:
                self._announce_leftovers()
            self._batch = _Batch()
            try:
                for number, raw in numbered:
                    self._batch.results.append(self.import_line(number, raw, checker))
                    if self._batch.full():
                        finish(self._commit())
                finish(self._commit())
            finally:
                self._abandon()
            self._announce()
        return summary

    def import_line(self, number, raw, checker):
        try:
            return self._import_line(number, raw, checker)
        except Exception as error:
            # Whatever went wrong (a bug, a listener that raised, a file that vanished), it
            # went wrong for this line: its savepoint and files are gone, the run goes on.
            log.exception("import_content: line %d failed", number)
            return _crashed(number, error)

    def _import_line(self, number, raw, checker):
        try:
            plan = self.plan(number, raw, checker)
        except LineInvalid as invalid:
            return LineResult(number, FAILED, invalid.problems)
        outcome = self._outcome(plan)
        if outcome == UNCHANGED:
            return LineResult(number, UNCHANGED, page_id=plan.existing.page_id)
        if self.dry_run:
            self._known[plan.identity] = self._known_after(plan, None)
            return LineResult(number, outcome)
        try:
            page_id = self._write(plan)
        except ValidationError as error:
            problems = [
                Problem(name if name != "__all__" else "page", " ".join(messages))
                for name, messages in error.message_dict.items()
            ]
            return LineResult(number, FAILED, problems)
        except (DatabaseError, OSError) as error:
            return LineResult(number, FAILED, [Problem("page", str(error))])
        return LineResult(number, outcome, page_id=page_id)

    # Validation ------------------------------------------------------------------------------

    def plan(self, number, raw, checker):
        """The Plan for one line, or LineInvalid with every problem found."""
        data = parse_line(raw)
        context = LineContext(checker, self._audiences, self._regions)
        line = validate_line(data, context)
        existing = self._lookup(line.identity)
        if existing is not None and existing.model is not line.page_model:
            raise LineInvalid(
                [
                    Problem(
                        "type",
                        _("已有同一来源编号的%(old)s，不能改为%(new)s")
                        % {
                            "old": existing.model.content_kind_label,
                            "new": line.page_model.content_kind_label,
                        },
                    )
                ]
            )
        return Plan(number, line, existing, _fingerprint(data, context.seen))

    def _lookup(self, identity):
        if self._batch is not None and identity in self._batch.known:
            return self._batch.known[identity]
        return self._known.get(identity)

    def _outcome(self, plan):
        known = plan.existing
        if known is None:
            return CREATED
        if self.draft:
            unchanged = known.fingerprint == plan.fingerprint
        else:
            # A normal import publishes: unchanged only when this line is what is live and no
            # different draft of it waits in review (publishing it again supersedes that draft).
            unchanged = (
                known.live and known.live_fingerprint == known.fingerprint == plan.fingerprint
            )
        return UNCHANGED if unchanged else UPDATED

    def _known_after(self, plan, page_id):
        before = plan.existing
        if self.draft:
            live = before is not None and before.live
            live_fingerprint = before.live_fingerprint if before is not None else None
        else:
            live, live_fingerprint = True, plan.fingerprint
        page_id = page_id if page_id is not None else before and before.page_id
        return Known(plan.line.page_model, page_id, plan.fingerprint, live, live_fingerprint)

    def _load_identities(self):
        fingerprints = {
            page_id: (content_hash, live_hash)
            for page_id, content_hash, live_hash in ImportedItem.objects.values_list(
                "page_id", "content_hash", "live_hash"
            )
        }
        known = {}
        for model in CONTENT_PAGE_MODELS:
            rows = model.objects.filter(external_id__isnull=False).values_list(
                "source", "external_id", "pk", "live"
            )
            for source, external_id, pk, live in rows:
                content_hash, live_hash = fingerprints.get(pk, (None, None))
                known[(source, external_id)] = Known(model, pk, content_hash, live, live_hash)
        return known

    # Writing ---------------------------------------------------------------------------------

    def _write(self, plan):
        batch = self._batch
        if self._atomic is None:
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            if connection.vendor == "postgresql":
                # Checked per statement, not at commit: a line that breaks a constraint fails
                # in its own savepoint instead of failing the whole batch's commit.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        written, pending = [], {}
        try:
            with transaction.atomic():  # the line's savepoint
                page_id = self._writer.write(
                    plan, written, collections.ChainMap(pending, batch.pending)
                )
        except BaseException:
            # The rows are rolled back; the files written for them would be orphans.
            delete_written(written)
            self._writer.forget_parents()
            raise
        batch.written += 1
        batch.files.extend(written)
        batch.pending.update(pending)
        batch.known[plan.identity] = self._known_after(plan, page_id)
        batch.pages.setdefault(plan.line.page_model, []).append(page_id)
        return page_id

    def _commit(self):
        """Commit the lines written since the last commit; return the batch's results."""
        batch, self._batch = self._batch, _Batch()
        atomic, self._atomic = self._atomic, None
        if atomic is not None:
            try:
                atomic.__exit__(None, None, None)
            except Exception as error:
                log.exception("import_content: a batch of lines failed to commit")
                delete_written(batch.files)
                self._writer.forget_parents()
                return [
                    _crashed(result.line, error) if result.page_id in _ids(batch.pages) else result
                    for result in batch.results
                ]
        self._writer.keep(batch.pending)
        self._known.update(batch.known)
        for model, pks in batch.pages.items():
            self._unannounced.setdefault(model, []).extend(pks)
        if sum(map(len, self._unannounced.values())) >= ANNOUNCE_EVERY:
            self._announce()
        return batch.results

    def _abandon(self):
        """Roll back a batch left open by an error that ends the run."""
        atomic, self._atomic = self._atomic, None
        if atomic is not None:
            error = RuntimeError("import interrupted")
            atomic.__exit__(type(error), error, None)
            delete_written(self._batch.files)
            self._writer.forget_parents()
        self._batch = None

    # Announcing ------------------------------------------------------------------------------

    def _announce(self, pages=None):
        """Tell listeners these committed pages exist; record that they were told."""
        if pages is None:
            pages, self._unannounced = self._unannounced, {}
        if not pages:
            return
        failed = False
        for receiver, response in imported_pages_committed.send_robust(Importer, pages=pages):
            if isinstance(response, Exception):
                failed = True  # announced again by the next run
                log.error(
                    "import_content: %r failed on imported pages", receiver, exc_info=response
                )
        if not failed:
            ImportedItem.objects.filter(page_id__in=_ids(pages)).update(announced=True)

    def _announce_leftovers(self):
        """Announce pages an interrupted run committed but never announced."""
        leftovers = list(
            ImportedItem.objects.filter(announced=False).values_list("page_id", flat=True)
        )
        for start in range(0, len(leftovers), 500):
            pages = {}
            rows = Page.objects.filter(pk__in=leftovers[start : start + 500]).values_list(
                "pk", "content_type_id"
            )
            for pk, content_type_id in rows:
                model = ContentType.objects.get_for_id(content_type_id).model_class()
                if model is not None:
                    pages.setdefault(model, []).append(pk)
            self._announce(pages)


def _ids(pages):
    return [pk for pks in pages.values() for pk in pks]


def _crashed(number, error):
    reason = _("导入时出错（%(type)s: %(error)s）") % {
        "type": type(error).__name__,
        "error": str(error)[:300],
    }
    return LineResult(number, FAILED, [Problem("page", reason)])


def _fingerprint(data, files):
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    digest.update(
        json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    )
    for source_file in files:
        digest.update(source_file.sha256.encode())
    return digest.hexdigest()
