"""The knowledge-base importer behind ``import_content`` and ``load_demo``.

One JSON object per line (format: docs/import-format.md). Every line is validated completely
before anything is written, then written in its own transaction, so a bad line changes nothing
while the good lines around it still land. ``(source, external_id)`` is the identity across all
four page types. A fingerprint of the line (its normalised JSON plus the SHA-256 of every file it
names) is kept per page, so re-importing an unchanged line writes nothing — no revision, no new
files. Files are stored once per content: the SHA-256 of their bytes finds the image, media item
or document stored before, whichever line brought it.
"""

import contextlib
import datetime
import hashlib
import json
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from taggit.models import Tag
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtailmedia.models import get_media_model

from .blocks import RICH_TEXT_FEATURES
from .models import (
    CONTENT_PAGE_MODELS,
    Audience,
    ComicPanel,
    EmergencyGuidePage,
    Hazard,
    ImportedFile,
    ImportedItem,
    Phase,
    Region,
)
from .models.pages import action_lines_problem
from .models.review import ReviewClearance
from .review import publish_cleared
from .signals import imported_pages_committed
from .structure import ensure_sections
from .text import CONTROL_CHARACTERS, control_characters_problem

log = logging.getLogger(__name__)

# Part of every fingerprint: bump it when the importer starts writing pages differently, so the
# next import rewrites lines that were imported the old way.
FORMAT_VERSION = "1"

KINDS = {model.content_kind: model for model in CONTENT_PAGE_MODELS}
COMMON_KEYS = {
    "external_id",
    "source",
    "type",
    "title",
    "summary",
    "body",
    "audiences",
    "topics",
    "regions",
    "published_at",
    "image",
}
TYPE_KEYS = {
    "article": set(),
    "video": {"video", "duration", "captions", "transcript"},
    "comic": {"panels"},
    "emergency": {"hazard", "phase", "actions"},
}
VIDEO_EXTENSIONS = {"mp4", "m4v", "webm", "ogv", "mov"}
CAPTION_EXTENSIONS = {"vtt"}
SLUG_MAX_LENGTH = 80

# Hostile or broken input must fail its own line, not the run (or the process): a line is at
# most this long, nested at most this deep, and its integers have at most this many digits
# (Python refuses to parse more than 4,300 and a database column holds far fewer).
MAX_LINE_BYTES = 5 * 1024 * 1024
MAX_NESTING = 20
MAX_INT_DIGITS = 15
MAX_DURATION = 24 * 60 * 60

# Committed pages are announced to listeners (search indexing) in batches of this many, and at
# the end of the run; see content.signals.imported_pages_committed.
ANNOUNCE_EVERY = 100

IMPORT_UID = "content_importer_note_saved"

CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str


@dataclass
class LineResult:
    line: int
    outcome: str
    problems: list = field(default_factory=list)
    page_id: int | None = None

    def messages(self):
        return [f"line {self.line}: {p.field}: {p.reason}" for p in self.problems]


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    problems: list = field(default_factory=list)

    def add(self, result):
        setattr(self, result.outcome, getattr(self, result.outcome) + 1)
        self.problems.extend(result.messages())

    def __str__(self):
        return (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, failed {self.failed}"
        )


@dataclass(frozen=True)
class SourceFile:
    """A file named by a line, checked and hashed but not yet stored."""

    kind: str  # ImportedFile.Kind
    path: Path
    sha256: str
    sha1: str
    size: int


@dataclass
class Plan:
    """A validated line: everything needed to write it, nothing written yet."""

    line: int
    data: dict
    model: type
    identity: tuple
    existing: "Known | None"
    fingerprint: str
    published_at: datetime.datetime | None
    audience_ids: list
    region_ids: list
    topics: list
    cover: SourceFile | None = None
    video: SourceFile | None = None
    captions: SourceFile | None = None
    panels: list = field(default_factory=list)  # (SourceFile, alt, text)
    actions: list = field(default_factory=list)


@dataclass
class Known:
    """What the importer knows of a page that already has an identity."""

    model: type
    page_id: int | None
    fingerprint: str | None  # of the newest revision the importer wrote, draft or published
    live: bool
    live_fingerprint: str | None  # of what the importer last published


class LineInvalid(Exception):
    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


class Importer:
    """Import JSONL files. ``dry_run`` validates and reports without writing; ``draft`` submits
    pages to the site's review workflow instead of publishing them."""

    def __init__(self, *, dry_run=False, draft=False, user=None):
        self.dry_run = dry_run
        self.draft = draft
        self.user = user
        self._html = EditorHTMLConverter(features=RICH_TEXT_FEATURES)
        self._audience_objects = {a.pk: a for a in Audience.objects.all()}
        self._region_objects = {r.pk: r for r in Region.objects.all()}
        self._audiences = {a.slug: a.pk for a in self._audience_objects.values()}
        self._regions = {r.code: r.pk for r in self._region_objects.values()}
        self._tags = {}  # topic name -> Tag, for tags that exist in the database
        self._known = self._load_identities()
        self._hashes = {}  # (resolved path, size, mtime) -> (sha256, sha1)
        self._image_problems = {}  # sha256 -> reason or None
        self._stored = {}  # (kind, sha256) -> object id, for files committed in this run
        self._sections = None
        self._saved = {}  # (model, pk) -> instance saved while writing the current line
        self._unannounced = {}  # model -> [pk], committed in this run, not yet announced

    # Running ---------------------------------------------------------------------------------

    def import_file(self, path, report=None):
        """Import every line of ``path``; ``report(result, done, total)`` is called per line."""
        path = Path(path)
        raw_lines = path.read_bytes().split(b"\n")
        if raw_lines and raw_lines[0].startswith(b"\xef\xbb\xbf"):
            raw_lines[0] = raw_lines[0][3:]
        numbered = [(number, raw) for number, raw in enumerate(raw_lines, 1) if raw.strip()]
        base_dir = path.resolve().parent
        summary = Summary()
        with self._note_saves():
            if not self.dry_run:
                self._announce_leftovers()
            for done, (number, raw) in enumerate(numbered, 1):
                result = self.import_line(number, raw, base_dir)
                summary.add(result)
                if sum(map(len, self._unannounced.values())) >= ANNOUNCE_EVERY:
                    self._announce()
                if report is not None:
                    report(result, done, len(numbered))
            self._announce()
        return summary

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
            page_ids = [pk for pks in pages.values() for pk in pks]
            ImportedItem.objects.filter(page_id__in=page_ids).update(announced=True)

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

    @contextlib.contextmanager
    def _note_saves(self):
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

    def _update_reference_index(self):
        for instance in self._saved.values():
            ReferenceIndex.create_or_update_for_object(instance)

    def import_line(self, number, raw, base_dir):
        try:
            return self._import_line(number, raw, base_dir)
        except Exception as error:
            # Whatever went wrong (a bug, a listener that raised, a file that vanished), it
            # went wrong for this line: its transaction and files are gone, the run goes on.
            log.exception("import_content: line %d failed", number)
            reason = _("导入时出错（%(type)s: %(error)s）") % {
                "type": type(error).__name__,
                "error": str(error)[:300],
            }
            return LineResult(number, FAILED, [Problem("page", reason)])

    def _import_line(self, number, raw, base_dir):
        try:
            plan = self.validate(number, raw, Path(base_dir))
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
        return Known(plan.model, page_id, plan.fingerprint, live, live_fingerprint)

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

    # Validation ------------------------------------------------------------------------------

    def validate(self, number, raw, base_dir):
        """Return the Plan for one line, or raise LineInvalid with every problem found."""
        data = parse_line(raw)

        problems = []
        check = _Checker(data, problems)
        kind = check.text("type", required=True)
        model = KINDS.get(kind)
        if kind and model is None:
            problems.append(
                Problem(
                    "type",
                    _("未知类型“%(value)s”，应为 %(choices)s 之一")
                    % {"value": kind, "choices": "、".join(KINDS)},
                )
            )
        allowed = COMMON_KEYS | TYPE_KEYS.get(kind, set())
        for key in data:
            if key not in allowed:
                problems.append(Problem(key, _("不是此类型可用的字段")))

        source = check.text("source", required=True, max_length=60)
        external_id = check.text("external_id", required=True, max_length=100)
        check.text("title", required=True, max_length=255)
        check.text("summary", required=True, max_length=300)
        check.text("body")
        audience_ids = self._lookup(check, "audiences", self._audiences, _("未知受众"))
        region_ids = self._lookup(check, "regions", self._regions, _("未知地区代码"))
        topics = check.string_list("topics")
        for topic in topics:
            if len(topic) > 100:
                problems.append(Problem("topics", _("主题不能超过 100 个字：%s") % topic))
        published_at = check.datetime("published_at")
        files = _Files(self, base_dir, problems)
        cover = files.get("image", data.get("image"), ImportedFile.Kind.IMAGE)

        plan_extra = {}
        if kind == "video":
            plan_extra["video"] = files.get(
                "video", data.get("video"), ImportedFile.Kind.MEDIA, required=True
            )
            plan_extra["captions"] = files.get(
                "captions", data.get("captions"), ImportedFile.Kind.DOCUMENT
            )
            check.count("duration", maximum=MAX_DURATION)
            check.text("transcript")
        elif kind == "comic":
            plan_extra["panels"] = self._panels(data.get("panels"), files, problems)
        elif kind == "emergency":
            check.choice("hazard", Hazard, _("未知灾害类型"))
            check.choice("phase", Phase, _("未知阶段"))
            plan_extra["actions"] = self._actions(data.get("actions"), problems)

        identity = (source, external_id)
        existing = self._known.get(identity)
        if model is not None and existing is not None and existing.model is not model:
            problems.append(
                Problem(
                    "type",
                    _("已有同一来源编号的%(old)s，不能改为%(new)s")
                    % {
                        "old": existing.model.content_kind_label,
                        "new": model.content_kind_label,
                    },
                )
            )
        if problems:
            raise LineInvalid(problems)

        return Plan(
            line=number,
            data=data,
            model=model,
            identity=identity,
            existing=existing,
            fingerprint=self._fingerprint(data, files.seen),
            published_at=published_at,
            audience_ids=audience_ids,
            region_ids=region_ids,
            topics=topics,
            cover=cover,
            **plan_extra,
        )

    def _lookup(self, check, key, known, label):
        values = check.string_list(key)
        unknown = [value for value in values if value not in known]
        if unknown:
            check.problems.append(Problem(key, label + "、".join(f"“{v}”" for v in unknown)))
        return [known[value] for value in values if value in known]

    def _panels(self, panels, files, problems):
        if panels is None or panels == []:
            problems.append(Problem("panels", _("漫画至少需要一格")))
            return []
        if not isinstance(panels, list):
            problems.append(Problem("panels", _("应为列表")))
            return []
        planned = []
        for position, panel in enumerate(panels, 1):
            prefix = f"panels[{position}]"
            if not isinstance(panel, dict):
                problems.append(Problem(prefix, _("应为 JSON 对象")))
                continue
            for key in panel:
                if key not in {"image", "alt", "text"}:
                    problems.append(Problem(f"{prefix}.{key}", _("不是分格可用的字段")))
            check = _Checker(panel, problems, prefix=f"{prefix}.")
            image = files.get(
                f"{prefix}.image", panel.get("image"), ImportedFile.Kind.IMAGE, required=True
            )
            alt = check.text("alt", required=True, max_length=255)
            text = check.text("text")
            planned.append((image, alt, text))
        return planned

    def _actions(self, actions, problems):
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            problems.append(Problem("actions", _("应为文本列表")))
            return []
        lines = [action.strip() for action in actions if action.strip()]
        if any("\n" in line or "\r" in line for line in lines):
            problems.append(Problem("actions", _("每条行动要点必须是一行")))
            return lines
        for line in lines:
            if problem := control_characters_problem(line):
                problems.append(Problem("actions", problem))
                return lines
        problem = action_lines_problem(lines)
        if problem:
            problems.append(Problem("actions", str(problem)))
        return lines

    def _fingerprint(self, data, files):
        digest = hashlib.sha256(FORMAT_VERSION.encode())
        digest.update(
            json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        )
        for source_file in files:
            digest.update(source_file.sha256.encode())
        return digest.hexdigest()

    def hash_file(self, path):
        stat = path.stat()
        key = (path, stat.st_size, stat.st_mtime_ns)
        if key not in self._hashes:
            sha256, sha1 = hashlib.sha256(), hashlib.sha1()  # noqa: S324 -- Wagtail's file_hash
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    sha256.update(chunk)
                    sha1.update(chunk)
            self._hashes[key] = (sha256.hexdigest(), sha1.hexdigest(), stat.st_size)
        return self._hashes[key]

    def image_problem(self, path, sha256):
        """Why this image cannot be imported (unreadable, or over the admin's pixel limit)."""
        if sha256 not in self._image_problems:
            self._image_problems[sha256] = _image_problem(path)
        return self._image_problems[sha256]

    # Writing ---------------------------------------------------------------------------------

    def _write(self, plan):
        stored_names = []
        pending = {}
        self._saved = {}
        try:
            with transaction.atomic():
                page_id = self._write_page(plan, stored_names, pending)
                self._update_reference_index()
        except BaseException:
            # The rows are rolled back; the files written for them would be orphans.
            for name in stored_names:
                default_storage.delete(name)
            raise
        for key, value in pending.items():
            if key[0] == "tag":
                self._tags[key[1]] = value
            else:
                self._stored[key] = value
        self._known[plan.identity] = self._known_after(plan, page_id)
        self._unannounced.setdefault(plan.model, []).append(page_id)
        return page_id

    def _write_page(self, plan, stored_names, pending):
        def stored(source_file, title, description="", duration=0):
            if source_file is None:
                return None
            return self._store_file(
                source_file, title, description, duration, stored_names, pending
            )

        if plan.existing is not None:
            page = plan.model.objects.get(pk=plan.existing.page_id)
            self._set_fields(page, plan, stored)
            self._set_relations(page, plan, stored, pending)
        else:
            page = plan.model(live=False)
            self._set_fields(page, plan, stored)
            parent = self._parent_for(plan.model)
            page.slug = self._free_slug(parent, page.title, plan.identity[1])
            if self.draft:
                # A draft's own row is what the admin lists, so it carries everything.
                self._set_relations(page, plan, stored, pending)
                parent.add_child(instance=page)
            else:
                # Publishing writes the row again from the revision; committing the relations
                # once, there, spares a round of link-table writes (and their signals).
                parent.add_child(instance=page)
                self._set_relations(page, plan, stored, pending)

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
            )
        recorded = {"content_hash": plan.fingerprint, "announced": False}
        if not self.draft:
            recorded["live_hash"] = plan.fingerprint
        ImportedItem.objects.update_or_create(page_id=page.pk, defaults=recorded)
        return page.pk

    def _set_fields(self, page, plan, stored):
        data = plan.data
        title = data["title"].strip()
        page.title = title
        page.summary = data["summary"].strip()
        page.source, page.external_id = plan.identity
        body = (data.get("body") or "").strip()
        page.body = [("paragraph", self._html.to_database_format(body))] if body else []
        page.cover_image_id = stored(plan.cover, title, title)
        if plan.published_at is not None:
            page.first_published_at = plan.published_at
        if not self.draft:
            page.reviewed_by = f"{plan.identity[0][:56]}（导入）"
            page.review_organisation = plan.identity[0]
            page.reviewed_at = timezone.localdate(plan.published_at or timezone.now())
        kind = plan.model.content_kind
        if kind == "video":
            duration = data.get("duration") or 0
            page.video_id = stored(plan.video, title, duration=duration)
            page.captions_id = stored(plan.captions, _("%s 字幕") % title)
            page.duration = duration
            page.transcript = (data.get("transcript") or "").strip()
        elif kind == "emergency":
            page.hazard = data["hazard"]
            page.phase = data["phase"]
            page.actions = "\n".join(plan.actions)

    def _set_relations(self, page, plan, stored, pending):
        page.audiences.set([self._audience_objects[pk] for pk in plan.audience_ids])
        page.regions.set([self._region_objects[pk] for pk in plan.region_ids])
        page.tags.set(self._tags_named(plan.topics, pending))
        if plan.model.content_kind == "comic":
            panel_title = _("%(title)s 第%(n)d格")
            page.panels = [
                ComicPanel(
                    image_id=stored(image, panel_title % {"title": page.title, "n": n}, alt),
                    alt=alt,
                    text=text,
                    sort_order=n - 1,
                )
                for n, (image, alt, text) in enumerate(plan.panels, 1)
            ]

    def _tags_named(self, names, pending):
        """Tag rows for these topic names, created when new; looked up once per run."""
        missing = [n for n in names if n not in self._tags and ("tag", n) not in pending]
        if missing:
            found = {tag.name: tag for tag in Tag.objects.filter(name__in=missing)}
            for name in missing:
                # Kept as pending until the line commits: a rolled-back tag must not be reused.
                pending[("tag", name)] = found.get(name) or Tag.objects.create(name=name)
        return [self._tags.get(name) or pending[("tag", name)] for name in names]

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
        # Fetched per line: treebeard keeps the child count on the instance, and a line that
        # rolled back would leave a cached parent believing in a child that was never written.
        return Page.objects.get(pk=emergency_pk if model is EmergencyGuidePage else content_pk)

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

    def _store_file(self, source_file, title, description, duration, stored_names, pending):
        key = (source_file.kind, source_file.sha256)
        if key in pending:
            return pending[key]
        model = FILE_MODELS[source_file.kind]()
        object_id = self._stored.get(key)
        if object_id is None:
            object_id = (
                ImportedFile.objects.filter(kind=source_file.kind, sha256=source_file.sha256)
                .values_list("object_id", flat=True)
                .first()
            )
            if object_id is not None and not model.objects.filter(pk=object_id).exists():
                object_id = None
            if object_id is None and hasattr(model, "file_hash"):
                # A file an editor uploaded by hand counts too (Wagtail keeps its SHA-1).
                object_id = (
                    model.objects.filter(file_hash=source_file.sha1)
                    .values_list("pk", flat=True)
                    .first()
                )
            if object_id is None:
                instance = self._create_file_object(
                    model, source_file, title, description, duration
                )
                stored_names.append(instance.file.name)
                object_id = instance.pk
            ImportedFile.objects.update_or_create(
                kind=source_file.kind,
                sha256=source_file.sha256,
                defaults={"object_id": object_id},
            )
        pending[key] = object_id
        return object_id

    def _create_file_object(self, model, source_file, title, description, duration):
        kind = source_file.kind
        with source_file.path.open("rb") as handle:
            if kind == ImportedFile.Kind.IMAGE:
                instance = model(
                    title=title[:255],
                    description=(description or title)[:255],
                    file=ImageFile(handle, name=source_file.path.name),
                    file_size=source_file.size,
                    file_hash=source_file.sha1,
                )
            elif kind == ImportedFile.Kind.MEDIA:
                instance = model(
                    title=title[:255],
                    type="video",
                    duration=duration,
                    file=File(handle, name=source_file.path.name),
                )
            else:
                instance = model(
                    title=title[:255],
                    file=File(handle, name=source_file.path.name),
                    file_size=source_file.size,
                    file_hash=source_file.sha1,
                )
            if self.user is not None and hasattr(instance, "uploaded_by_user"):
                instance.uploaded_by_user = self.user
            try:
                instance.save()
            except BaseException:
                # The file is written before the row; a refused row must not leave it behind.
                if instance.file._committed and instance.file.name:
                    default_storage.delete(instance.file.name)
                raise
        return instance


FILE_MODELS = {
    ImportedFile.Kind.IMAGE: get_image_model,
    ImportedFile.Kind.MEDIA: get_media_model,
    ImportedFile.Kind.DOCUMENT: get_document_model,
}


class _Checker:
    """Reads typed values out of one JSON object, recording a Problem for each bad one."""

    def __init__(self, data, problems, prefix=""):
        self.data = data
        self.problems = problems
        self.prefix = prefix

    def _problem(self, key, reason):
        self.problems.append(Problem(self.prefix + key, reason))

    def text(self, key, *, required=False, max_length=None):
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self._problem(key, _("必填"))
            return ""
        if not isinstance(value, str):
            self._problem(key, _("应为文本"))
            return ""
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            self._problem(key, _("不能超过 %(max)d 个字") % {"max": max_length})
        if problem := control_characters_problem(value):
            self._problem(key, problem)
        return value

    def string_list(self, key):
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self._problem(key, _("应为文本列表"))
            return []
        items = list(dict.fromkeys(item.strip() for item in value if item.strip()))
        for item in items:
            if problem := control_characters_problem(item):
                self._problem(key, problem)
                break
        return items

    def datetime(self, key):
        value = self.data.get(key)
        if value is None or value == "":
            return None
        try:
            moment = datetime.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            self._problem(key, _("不是有效的 ISO 8601 时间，例如 2026-05-01T08:00:00+08:00"))
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def count(self, key, *, maximum):
        value = self.data.get(key)
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            self._problem(key, _("应为 0 到 %(max)d 之间的整数（秒）") % {"max": maximum})
            return 0
        return value

    def choice(self, key, choices, label):
        value = self.text(key, required=True)
        if value and value not in choices.values:
            self._problem(key, f"{label}“{value}”")
        return value


class _Files:
    """Checks the files one line names: inside the import folder, present, of the right kind."""

    EXTENSIONS = {
        ImportedFile.Kind.MEDIA: VIDEO_EXTENSIONS,
        ImportedFile.Kind.DOCUMENT: CAPTION_EXTENSIONS,
    }

    def __init__(self, importer, base_dir, problems):
        self.importer = importer
        self.base_dir = base_dir.resolve()
        self.problems = problems
        self.seen = []

    def get(self, key, value, kind, *, required=False):
        if value is None or value == "":
            if required:
                self.problems.append(Problem(key, _("必填")))
            return None
        if not isinstance(value, str):
            self.problems.append(Problem(key, _("应为文件路径文本")))
            return None
        if CONTROL_CHARACTERS.search(value):
            self.problems.append(Problem(key, _("路径含有控制字符：%r") % value))
            return None
        relative = PurePosixPath(value)
        try:
            path = (self.base_dir / relative).resolve()
            inside = not relative.is_absolute() and path.is_relative_to(self.base_dir)
            is_file = inside and path.is_file()
        except (OSError, ValueError, RuntimeError) as error:  # too long, a symlink loop…
            self.problems.append(
                Problem(
                    key, _("无法读取文件 %(path)s（%(error)s）") % {"path": value, "error": error}
                )
            )
            return None
        if not inside:
            self.problems.append(Problem(key, _("路径必须在导入文件所在的文件夹内：%s") % value))
            return None
        if not is_file:
            self.problems.append(Problem(key, _("文件不存在：%s") % value))
            return None
        extension = path.suffix.lower().lstrip(".")
        allowed = (
            set(getattr(settings, "WAGTAILIMAGES_EXTENSIONS", ["gif", "jpg", "jpeg", "png"]))
            if kind == ImportedFile.Kind.IMAGE
            else self.EXTENSIONS[kind]
        )
        if extension not in allowed:
            self.problems.append(
                Problem(
                    key,
                    _("文件类型 .%(ext)s 不可用，应为 %(allowed)s")
                    % {"ext": extension, "allowed": "、".join(sorted(allowed))},
                )
            )
            return None
        if kind == ImportedFile.Kind.IMAGE:
            # The admin's upload limits, checked before reading the file in full.
            size = path.stat().st_size
            max_size = getattr(settings, "WAGTAILIMAGES_MAX_UPLOAD_SIZE", 10 * 1024 * 1024)
            if max_size is not None and size > max_size:
                self.problems.append(
                    Problem(
                        key,
                        _("文件过大（%(size)s，上限 %(max)s）：%(path)s")
                        % {"size": _size_label(size), "max": _size_label(max_size), "path": value},
                    )
                )
                return None
        sha256, sha1, size = self.importer.hash_file(path)
        problem = kind == ImportedFile.Kind.IMAGE and self.importer.image_problem(path, sha256)
        if problem:
            self.problems.append(Problem(key, f"{problem}：{value}"))
            return None
        source_file = SourceFile(kind, path, sha256, sha1, size)
        self.seen.append(source_file)
        return source_file


class _NumberTooLarge(ValueError):
    pass


def _parse_int(text):
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _NumberTooLarge(text)
    return int(text)


def _refuse_constant(name):
    raise json.JSONDecodeError(_("%s 不是 JSON 数值") % name, name, 0)


def _nesting_depth(value, limit):
    """How deep ``value`` nests, counting no further than ``limit + 1``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_line(raw):
    """The JSON object on one line; LineInvalid for anything else, however hostile."""
    if len(raw) > MAX_LINE_BYTES:
        raise LineInvalid(
            [Problem("json", _("这一行超过 %(max)d MB") % {"max": MAX_LINE_BYTES >> 20})]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LineInvalid([Problem("json", _("不是有效的 UTF-8 文本"))]) from None
    too_deep = False
    try:
        data = json.loads(text, parse_int=_parse_int, parse_constant=_refuse_constant)
    except _NumberTooLarge:
        reason = _("数字过大（不能超过 %(max)d 位）") % {"max": MAX_INT_DIGITS}
        raise LineInvalid([Problem("json", reason)]) from None
    except RecursionError:
        too_deep = True  # deeper than the parser goes
    except json.JSONDecodeError as error:
        raise LineInvalid(
            [Problem("json", _("不是有效的 JSON（%(error)s）") % {"error": error.msg})]
        ) from None
    except ValueError as error:
        raise LineInvalid([Problem("json", _("不是有效的 JSON（%s）") % error)]) from None
    if too_deep or _nesting_depth(data, MAX_NESTING) > MAX_NESTING:
        raise LineInvalid(
            [Problem("json", _("嵌套层数过多（不能超过 %(max)d 层）") % {"max": MAX_NESTING})]
        )
    if not isinstance(data, dict):
        raise LineInvalid([Problem("json", _("每行必须是一个 JSON 对象"))])
    return data


def _size_label(size):
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


def _image_problem(path):
    max_pixels = getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", 128 * 1000000)
    limit = _("上限 %(max)s 像素") % {"max": f"{max_pixels:,}"} if max_pixels else ""
    try:
        with warnings.catch_warnings():
            # Only the header is read here; the admin's limit below is the one that counts.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            with PILImage.open(path) as image:
                if image.format is None or image.width <= 0:
                    return _("不是可识别的图片文件")
                width, height = image.size
                frames = getattr(image, "n_frames", 1) or 1
    except PILImage.DecompressionBombError:
        return _("图片像素过多（%(limit)s）") % {"limit": limit}
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return _("不是可识别的图片文件")
    if max_pixels and width * height * frames > max_pixels:
        return _("图片像素过多（%(width)d×%(height)d，%(limit)s）") % {
            "width": width,
            "height": height,
            "limit": limit,
        }
    return None
