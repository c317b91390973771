"""The files a line names: checked (inside the import folder, present, of the right kind, within
the admin's limits), hashed once per run, and stored once per content — the SHA-256 of their
bytes finds the image, media item or document stored before, whichever line brought it."""

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtailmedia.models import get_media_model

from ..models import ImportedFile
from ..text import CONTROL_CHARACTERS

Kind = ImportedFile.Kind

EXTENSIONS = {
    Kind.MEDIA: {"mp4", "m4v", "webm", "ogv", "mov"},
    Kind.DOCUMENT: {"vtt"},
}

FILE_MODELS = {
    Kind.IMAGE: get_image_model,
    Kind.MEDIA: get_media_model,
    Kind.DOCUMENT: get_document_model,
}


class FileProblem(Exception):
    """Why a named file cannot be imported, in words for the person who made the export."""


@dataclass(frozen=True)
class SourceFile:
    """A file named by a line, checked and hashed but not yet stored."""

    kind: str  # ImportedFile.Kind
    path: Path
    sha256: str
    sha1: str
    size: int


def allowed_extensions(kind):
    if kind == Kind.IMAGE:
        return set(getattr(settings, "WAGTAILIMAGES_EXTENSIONS", ["gif", "jpg", "jpeg", "png"]))
    return EXTENSIONS[kind]


class FileChecker:
    """Checks the files of one JSONL file's lines; hashes and image checks are done once per run
    for each file, however many lines name it."""

    def __init__(self, base_dir):
        self.base_dir = Path(base_dir).resolve()
        self._hashes = {}  # (resolved path, size, mtime) -> (sha256, sha1, size)
        self._image_problems = {}  # sha256 -> reason or None

    def check(self, value, kind):
        """The SourceFile for the path ``value`` (not empty); FileProblem when refused."""
        if not isinstance(value, str):
            raise FileProblem(_("应为文件路径文本"))
        if CONTROL_CHARACTERS.search(value):
            raise FileProblem(_("路径含有控制字符：%r") % value)
        relative = PurePosixPath(value)
        try:
            path = (self.base_dir / relative).resolve()
            inside = not relative.is_absolute() and path.is_relative_to(self.base_dir)
            is_file = inside and path.is_file()
        except (OSError, ValueError, RuntimeError) as error:  # too long, a symlink loop…
            raise FileProblem(
                _("无法读取文件 %(path)s（%(error)s）") % {"path": value, "error": error}
            ) from None
        if not inside:
            raise FileProblem(_("路径必须在导入文件所在的文件夹内：%s") % value)
        if not is_file:
            raise FileProblem(_("文件不存在：%s") % value)
        extension = path.suffix.lower().lstrip(".")
        allowed = allowed_extensions(kind)
        if extension not in allowed:
            raise FileProblem(
                _("文件类型 .%(ext)s 不可用，应为 %(allowed)s")
                % {"ext": extension, "allowed": "、".join(sorted(allowed))}
            )
        if kind == Kind.IMAGE:
            # The admin's upload limits, checked before reading the file in full.
            size = path.stat().st_size
            max_size = getattr(settings, "WAGTAILIMAGES_MAX_UPLOAD_SIZE", 10 * 1024 * 1024)
            if max_size is not None and size > max_size:
                raise FileProblem(
                    _("文件过大（%(size)s，上限 %(max)s）：%(path)s")
                    % {"size": _size_label(size), "max": _size_label(max_size), "path": value}
                )
        sha256, sha1, size = self._hash(path)
        if kind == Kind.IMAGE:
            if sha256 not in self._image_problems:
                self._image_problems[sha256] = image_problem(path)
            if problem := self._image_problems[sha256]:
                raise FileProblem(f"{problem}：{value}")
        return SourceFile(kind, path, sha256, sha1, size)

    def _hash(self, path):
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


class FileStore:
    """Stores checked files as Wagtail images, media items and documents, once per content.

    ``store`` runs inside a line's transaction: what it creates is noted in the line's
    ``pending`` (kept only once the line commits) and ``written`` (file names to delete if it
    does not)."""

    def __init__(self, user=None):
        self.user = user
        self.stored = {}  # (kind, sha256) -> object id, for files committed in this run

    def store(self, source_file, title, description, duration, written, pending):
        key = (source_file.kind, source_file.sha256)
        if key in pending:
            return pending[key]
        model = FILE_MODELS[source_file.kind]()
        object_id = self.stored.get(key)
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
                instance = self._create(model, source_file, title, description, duration)
                written.append(instance.file.name)
                object_id = instance.pk
            ImportedFile.objects.update_or_create(
                kind=source_file.kind,
                sha256=source_file.sha256,
                defaults={"object_id": object_id},
            )
        pending[key] = object_id
        return object_id

    def _create(self, model, source_file, title, description, duration):
        kind = source_file.kind
        with source_file.path.open("rb") as handle:
            if kind == Kind.IMAGE:
                instance = model(
                    title=title[:255],
                    description=(description or title)[:255],
                    file=ImageFile(handle, name=source_file.path.name),
                    file_size=source_file.size,
                    file_hash=source_file.sha1,
                )
            elif kind == Kind.MEDIA:
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


def delete_written(names):
    """Remove files stored for rows that were rolled back: they would be orphans."""
    for name in names:
        default_storage.delete(name)


def _size_label(size):
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


def image_problem(path):
    """Why this image cannot be imported (unreadable, or over the admin's pixel limit)."""
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
