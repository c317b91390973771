"""What one import line may hold (docs/import-format.md): a pydantic model per content type.

Each field says how its value is checked and, through its serializer, what it becomes on the
page: a field whose name is a field of the page model is copied onto the page as dumped
(``Line.page_values``), so a new plain field means adding it here and to the model. Files
(``FileField``) and the taxonomy are resolved while validating, through the context the
importer passes (``LineContext``). Every refusal is a Problem in the words the importer has
always used; lengths come from the model fields that will hold the values.
"""

import datetime
import functools
import json
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError
from taggit.models import Tag
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter

from ..blocks import RICH_TEXT_FEATURES
from ..models import (
    ArticlePage,
    ComicPage,
    ComicPanel,
    ContentPage,
    EmergencyGuidePage,
    Hazard,
    ImportedFile,
    Phase,
    VideoPage,
)
from ..models.pages import action_lines_problem
from ..text import control_characters_problem
from .files import FileProblem
from .report import LineInvalid, Problem

# Hostile or broken input must fail its own line, not the run (or the process): a line is at
# most this long, nested at most this deep, and its integers have at most this many digits
# (Python refuses to parse more than 4,300 and a database column holds far fewer).
MAX_LINE_BYTES = 5 * 1024 * 1024
MAX_NESTING = 20
MAX_INT_DIGITS = 15
MAX_DURATION = 24 * 60 * 60


def max_length(model, name):
    return model._meta.get_field(name).max_length


@dataclass
class LineContext:
    """What validating one line needs besides the line: the run's file checker and taxonomy,
    and the files this line named (in order, for its fingerprint)."""

    files: Any  # files.FileChecker
    audiences: dict  # slug -> pk
    regions: dict  # code -> pk
    seen: list = field(default_factory=list)


def _refuse(reason):
    raise PydanticCustomError("import", "{reason}", {"reason": str(reason)})


def _text(required=False, limit=None):
    def check(value):
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                _refuse(_("必填"))
            return ""
        if not isinstance(value, str):
            _refuse(_("应为文本"))
        value = value.strip()
        if limit is not None and len(value) > limit:
            _refuse(_("不能超过 %(max)d 个字") % {"max": limit})
        if problem := control_characters_problem(value):
            _refuse(problem)
        return value

    return BeforeValidator(check)


def _string_list(value):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        _refuse(_("应为文本列表"))
    items = list(dict.fromkeys(item.strip() for item in value if item.strip()))
    for item in items:
        if problem := control_characters_problem(item):
            _refuse(problem)
    return items


def _lookup(context_key, label):
    """A list of slugs or codes, each known to the site: the list of their primary keys."""

    def check(value, info: ValidationInfo):
        known = getattr(info.context, context_key)
        values = _string_list(value)
        unknown = [item for item in values if item not in known]
        if unknown:
            _refuse(label() + "、".join(f"“{v}”" for v in unknown))
        return [known[item] for item in values]

    return BeforeValidator(check)


def _topics(value):
    topics = _string_list(value)
    limit = max_length(Tag, "name")
    for topic in topics:
        if len(topic) > limit:
            _refuse(_("主题不能超过 %(max)d 个字：%(topic)s") % {"max": limit, "topic": topic})
    return topics


def _moment(value):
    if value is None or value == "":
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        _refuse(_("不是有效的 ISO 8601 时间，例如 2026-05-01T08:00:00+08:00"))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _seconds(value):
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DURATION:
        _refuse(_("应为 0 到 %(max)d 之间的整数（秒）") % {"max": MAX_DURATION})
    return value


def _choice(choices, label):
    text = _text(required=True).func

    def check(value):
        value = text(value)
        if value not in choices.values:
            _refuse(f"{label()}“{value}”")
        return value

    return BeforeValidator(check)


def _action_lines(value):
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        _refuse(_("应为文本列表"))
    lines = [action.strip() for action in value if action.strip()]
    if any("\n" in line or "\r" in line for line in lines):
        _refuse(_("每条行动要点必须是一行"))
    for line in lines:
        if problem := control_characters_problem(line):
            _refuse(problem)
    if problem := action_lines_problem(lines):
        _refuse(problem)
    return lines


@functools.cache
def _html():
    return EditorHTMLConverter(features=RICH_TEXT_FEATURES)


def _stream_body(html):
    # Sanitised to what the editor allows, as if typed into the admin.
    return [("paragraph", _html().to_database_format(html))] if html else []


@dataclass(frozen=True)
class FileField:
    """A path to a file stored as ``kind`` and linked from the page field of the same name;
    ``title`` names the stored file after the page (``%s``), ``described`` gives an image the
    page title as its description."""

    kind: str
    required: bool = False
    title: Any = "%s"
    described: bool = False

    def __call__(self, value, info: ValidationInfo):
        if value is None or value == "":
            if self.required:
                _refuse(_("必填"))
            return None
        try:
            source_file = info.context.files.check(value, self.kind)
        except FileProblem as problem:
            _refuse(problem)
        info.context.seen.append(source_file)
        return source_file


def _file(kind, **options):
    spec = FileField(kind, **options)
    return Annotated[Any, BeforeValidator(spec), spec]


Text = Annotated[str, _text()]
Strict = ConfigDict(extra="forbid", validate_default=True)


class Line(BaseModel):
    """What every line holds, whatever its type."""

    model_config = Strict
    page_model: ClassVar[type | None] = None

    type: Annotated[str, _text(required=True)] = None
    source: Annotated[str, _text(required=True, limit=max_length(ContentPage, "source"))] = None
    external_id: Annotated[
        str, _text(required=True, limit=max_length(ContentPage, "external_id"))
    ] = None
    title: Annotated[str, _text(required=True, limit=max_length(ContentPage, "title"))] = None
    summary: Annotated[str, _text(required=True, limit=max_length(ContentPage, "summary"))] = None
    body: Annotated[Any, _text(), PlainSerializer(_stream_body)] = None
    audiences: Annotated[list[int], _lookup("audiences", lambda: _("未知受众"))] = None
    regions: Annotated[list[int], _lookup("regions", lambda: _("未知地区代码"))] = None
    topics: Annotated[list[str], BeforeValidator(_topics)] = None
    published_at: Annotated[datetime.datetime | None, BeforeValidator(_moment)] = None
    cover_image: _file(ImportedFile.Kind.IMAGE, described=True) = Field(None, alias="image")

    @property
    def identity(self):
        return (self.source, self.external_id)

    @classmethod
    def page_fields(cls):
        """The fields copied onto the page as they are dumped."""
        if cls.page_model is None:
            return set()
        names = {f.name for f in cls.page_model._meta.concrete_fields}
        return {name for name in cls.model_fields if name in names} - set(cls.file_fields())

    @classmethod
    def file_fields(cls):
        """{field name: FileField} of the page's own files."""
        return {
            name: spec
            for name, info in cls.model_fields.items()
            for spec in info.metadata
            if isinstance(spec, FileField)
        }

    def page_values(self):
        return self.model_dump(include=self.page_fields())


class ArticleLine(Line):
    page_model = ArticlePage


class VideoLine(Line):
    page_model = VideoPage

    video: _file(ImportedFile.Kind.MEDIA, required=True) = None
    duration: Annotated[int, BeforeValidator(_seconds)] = None
    captions: _file(ImportedFile.Kind.DOCUMENT, title=gettext_lazy("%s 字幕")) = None
    transcript: Text = None


class PanelLine(BaseModel):
    model_config = Strict

    image: _file(ImportedFile.Kind.IMAGE, required=True) = None
    alt: Annotated[str, _text(required=True, limit=max_length(ComicPanel, "alt"))] = None
    text: Text = None


def _panels_given(value):
    if value is None or value == []:
        _refuse(_("漫画至少需要一格"))
    if not isinstance(value, list):
        _refuse(_("应为列表"))
    return value


class ComicLine(Line):
    page_model = ComicPage

    panels: Annotated[list[PanelLine], BeforeValidator(_panels_given)] = None


class EmergencyLine(Line):
    page_model = EmergencyGuidePage

    hazard: Annotated[str, _choice(Hazard, lambda: _("未知灾害类型"))] = None
    phase: Annotated[str, _choice(Phase, lambda: _("未知阶段"))] = None
    actions: Annotated[list[str], BeforeValidator(_action_lines), PlainSerializer("\n".join)] = None


LINE_TYPES = {
    schema.page_model.content_kind: schema
    for schema in (ArticleLine, VideoLine, ComicLine, EmergencyLine)
}


def validate_line(data, context):
    """The typed line for ``data``; LineInvalid with every problem found."""
    kind = data.get("type")
    schema = LINE_TYPES.get(kind.strip() if isinstance(kind, str) else None, Line)
    problems = []
    if isinstance(kind, str) and kind.strip() and schema is Line:
        problems.append(
            Problem(
                "type",
                _("未知类型“%(value)s”，应为 %(choices)s 之一")
                % {"value": kind.strip(), "choices": "、".join(LINE_TYPES)},
            )
        )
    try:
        line = schema.model_validate(data, context=context)
    except ValidationError as invalid:
        problems.extend(_problem(error) for error in invalid.errors())
    if problems:
        raise LineInvalid(problems)
    return line


def _problem(error):
    parts = []
    for part in error["loc"]:  # ("panels", 0, "alt") is "panels[1].alt", as editors count
        parts.append(f"[{part + 1}]" if isinstance(part, int) else "." * bool(parts) + part)
    location = "".join(parts)
    nested = len(error["loc"]) > 1
    reasons = {
        "extra_forbidden": _("不是分格可用的字段") if nested else _("不是此类型可用的字段"),
        "model_type": _("应为 JSON 对象"),
        "missing": _("必填"),
    }
    return Problem(location, reasons.get(error["type"], error["msg"]))


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
