"""CAP messages from outside: ``manage.py ingest_cap`` and the periodic poll of ``CAP_SOURCES``.

A message is read by ``alerts.cap.parse`` (size limit, no DTDs or entities, the OASIS schema)
and then checked against what this platform can do with it; anything refused raises
``IngestError`` and writes nothing. An accepted message becomes an alert that awaits a
confirmer of 应急发布审核 (or a draft to edit first, when its action lines do not fit a
screen), or is issued at once when the operator asked for it (``--issue``, or a source's rule).

A message already stored (same identifier) is skipped, so polling an index again is harmless.
An Update or Cancel must reference an alert stored here.

``CAP_SOURCES``: entries separated by ``;`` or new lines, each ``URL`` or ``URL|SEVERITIES``,
SEVERITIES being the comma-separated CAP severities issued directly from that source (e.g.
``https://example.cn/cap/index.atom|Extreme,Severe``); the rest wait for a confirmer.
"""

import logging
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from content.models import EmergencyGuidePage, Hazard
from content.queries import live_content

from . import cap, capmap, issuing
from .models import IDENTIFIER_PATTERN, Alert, Category, MsgType, Stage, Status

logger = logging.getLogger(__name__)

FETCH_TIMEOUT = 10
ACCEPTED_STATUSES = {Status.ACTUAL, Status.EXERCISE, Status.TEST}
SEVERITIES = {"Extreme", "Severe", "Moderate", "Minor", "Unknown"}


class IngestError(Exception):
    """A message refused; the text (Chinese) says why. Nothing was written."""


@dataclass(frozen=True)
class Source:
    url: str
    issue_severities: frozenset

    def issues(self, severity):
        return severity in self.issue_severities


@dataclass
class Outcome:
    alert: Alert | None
    action: str  # "issued", "awaiting", "draft", "known"
    notes: tuple = ()


def parse_sources(text):
    """``CAP_SOURCES`` as a list of ``Source``; a bad entry is refused with a clear error."""
    sources = []
    for raw in (text or "").replace("\n", ";").split(";"):
        entry = raw.strip()
        if not entry:
            continue
        url, _sep, rule = entry.partition("|")
        url = url.strip()
        if urlsplit(url).scheme not in {"http", "https", "file"}:
            raise IngestError(_("CAP_SOURCES 中的地址无效：%(url)s") % {"url": url})
        severities = frozenset(part.strip() for part in rule.split(",") if part.strip())
        unknown = severities - SEVERITIES
        if unknown:
            raise IngestError(
                _("CAP_SOURCES 中的级别无效：%(values)s（可用 Extreme, Severe, Moderate, Minor）")
                % {"values": ", ".join(sorted(unknown))}
            )
        sources.append(Source(url, severities))
    return sources


def fetch(location, limit=cap.MAX_MESSAGE_BYTES):
    """The bytes at a path, ``file:`` or ``http(s):`` URL, refusing more than ``limit``."""
    parts = urlsplit(location)
    try:
        if parts.scheme in {"http", "https"}:
            request = urllib.request.Request(  # noqa: S310 - scheme checked above
                location, headers={"User-Agent": "kepuqingcheng-cap/1"}
            )
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
                data = response.read(limit + 1)
        else:
            path = Path(parts.path if parts.scheme == "file" else location)
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
    except OSError as error:
        raise IngestError(
            _("无法读取 %(location)s：%(error)s") % {"location": location, "error": error}
        ) from error
    if len(data) > limit:
        raise IngestError(
            _("%(location)s 超过 %(limit)d 字节，拒绝处理。")
            % {"location": location, "limit": limit}
        )
    return data


def _explainers_for(event):
    """Live emergency explainers whose hazard the event names (寒潮 in 寒潮蓝色预警)."""
    hazards = [value for value, label in Hazard.choices if label and str(label) in event]
    if not hazards:
        return []
    pages = EmergencyGuidePage.objects.filter(
        pk__in=live_content().type(EmergencyGuidePage).values("pk"), hazard__in=hazards
    )
    return list(pages.order_by("-last_published_at"))


def _check(message):
    if message.status not in ACCEPTED_STATUSES:
        raise IngestError(
            _("不处理状态为 %(status)s 的 CAP 消息（只接受 Actual、Exercise、Test）。")
            % {"status": message.status}
        )
    if message.scope != "Public":
        raise IngestError(_("只处理面向公众（scope 为 Public）的 CAP 消息。"))
    if not IDENTIFIER_PATTERN.match(message.identifier):
        raise IngestError(
            _("标识 %(identifier)s 含有本平台不支持的字符。")
            % {"identifier": message.identifier[:200]}
        )
    if message.msg_type == MsgType.CANCEL:
        return  # what it cancels is taken from the alert it references
    if message.info is None:
        raise IngestError(_("消息没有 info 部分，无法显示。"))
    if message.info.expires is None:
        raise IngestError(_("消息没有失效时间（expires），不能在电子屏上无限期显示。"))
    if message.info.severity not in SEVERITIES:
        raise IngestError(_("预警级别无效：%(value)s") % {"value": message.info.severity})


def _referenced(message):
    identifiers = [identifier for _sender, identifier, _sent in message.references]
    if not identifiers:
        raise IngestError(
            _("%(type)s 消息必须在 references 中引用所针对的预警。") % {"type": message.msg_type}
        )
    original = Alert.objects.filter(identifier__in=identifiers).order_by("-sent").first()
    if original is None:
        raise IngestError(
            _("%(type)s 所引用的预警在本平台不存在：%(ids)s")
            % {"type": message.msg_type, "ids": "、".join(identifiers)}
        )
    return original


def ingest(message, *, source, issue=False):
    """Store one parsed CAP message as an alert; see the module's docstring."""
    existing = Alert.objects.filter(identifier=message.identifier).first()
    if existing is not None:
        return Outcome(existing, "known")
    _check(message)
    info = message.info
    original = None
    if message.msg_type in (MsgType.UPDATE, MsgType.CANCEL):
        original = _referenced(message)
        if original.stage != Stage.ISSUED:
            raise IngestError(
                _("所引用的预警 %(id)s 已不在发布中（%(stage)s）。")
                % {"id": original.identifier, "stage": original.get_stage_display()}
            )
    if message.msg_type == MsgType.CANCEL:
        info = _cancel_info(message, original)
    regions, unmatched = capmap.regions_for(info.areas)
    if not regions and message.msg_type == MsgType.CANCEL:
        regions = list(original.areas.all())
    if not regions:
        raise IngestError(
            _("消息的区域不在本平台范围内：%(areas)s")
            % {"areas": "、".join(unmatched) or _("（未给出区划代码）")}
        )
    explainers = _explainers_for(info.event)
    category = next((c for c in info.categories if c in Category.values), Category.OTHER)
    notes = []
    with transaction.atomic():
        alert = Alert(
            identifier=message.identifier,
            sender=message.sender,
            sender_name=info.sender_name or message.sender,
            sent=message.sent,
            status=message.status,
            msg_type=message.msg_type,
            replaces=original,
            note=message.note,
            category=category,
            event=info.event[:60],
            urgency=info.urgency,
            severity=info.severity,
            certainty=info.certainty,
            onset=info.onset,
            expires=info.expires,
            headline=(info.headline or info.event)[:120],
            description=info.description or info.headline or info.event,
            instruction=info.instruction,
            area_desc="、".join(area.desc for area in info.areas)[:500],
            source=f"ingest:{source}"[:500],
            stage=Stage.AWAITING,
        )
        if message.msg_type != MsgType.CANCEL and _instruction_problem(alert):
            lines = explainers[0].action_lines if explainers else []
            if lines:
                alert.instruction = "\n".join(lines)
                notes.append(_("来源的行动指引不适合电子屏，已改用关联应急科普的行动要点。"))
        try:
            alert.full_clean(exclude=["replaces", "identifier"])
        except ValidationError as error:
            if issue:
                raise IngestError(_describe(error)) from error
            alert.stage = Stage.DRAFT
            notes.append(_describe(error) + _("已保存为草稿，请在后台修改后提交。"))
        alert.save()
        alert.areas.set(regions)
        alert.explainers.set(explainers)
        log(instance=alert, action="alerts.ingest", user=None, data={"reason": source})
        if unmatched:
            notes.append(
                _("以下区域不在本平台范围内，已忽略：%(areas)s") % {"areas": "、".join(unmatched)}
            )
        if issue and alert.stage == Stage.AWAITING:
            try:
                issuing.issue_from_source(alert, source)
            except issuing.IssuingError as error:
                raise IngestError(str(error)) from error
            alert.refresh_from_db()
            return Outcome(alert, "issued", tuple(notes))
    return Outcome(alert, "awaiting" if alert.stage == Stage.AWAITING else "draft", tuple(notes))


def _cancel_info(message, original):
    """A Cancel may omit its info, or parts of it: what it lacks is the cancelled alert's."""
    info = message.info
    return cap.CapInfo(
        language="zh-CN",
        categories=(info.categories if info else None) or [original.category],
        event=(info.event if info else "") or original.event,
        urgency=(info.urgency if info else "") or original.urgency,
        severity=(info.severity if info else "") or original.severity,
        certainty=(info.certainty if info else "") or original.certainty,
        onset=(info.onset if info else None) or original.onset,
        expires=(info.expires if info else None) or original.expires,
        sender_name=(info.sender_name if info else "") or original.sender_name,
        headline=(info.headline if info else "") or message.note or original.headline,
        description=(info.description if info else "") or message.note or original.description,
        instruction=(info.instruction if info else "") or original.instruction,
        areas=(info.areas if info else None) or [],
    )


def _instruction_problem(alert):
    try:
        alert.clean_fields(exclude=[f.name for f in Alert._meta.fields if f.name != "instruction"])
        alert.clean()
    except ValidationError as error:
        return "instruction" in error.message_dict
    return False


def _describe(error):
    return "；".join(message for messages in error.message_dict.values() for message in messages)


def ingest_bytes(data, *, source, issue=False):
    try:
        message = cap.parse(data)
    except cap.CapError as error:
        raise IngestError(str(error)) from error
    return ingest(message, source=source, issue=issue)


def message_locations(data, base):
    """The CAP messages an index (Atom / RSS) lists, or None when ``data`` is not an index (and
    so must be a CAP message; ``cap.parse`` says so clearly when it is neither)."""
    head = data[:4096]
    if b"<feed" not in head and b"<rss" not in head:
        return None
    try:
        locations = cap.parse_index(data, base)
    except cap.CapError as error:
        raise IngestError(str(error)) from error
    if not locations:
        raise IngestError(_("%(location)s 中没有指向 CAP 消息的链接。") % {"location": base})
    return locations


def poll_sources():
    """The periodic job: read every ``CAP_SOURCES`` index and ingest what is new."""
    sources = parse_sources(getattr(settings, "CAP_SOURCES", ""))
    counts = {"issued": 0, "awaiting": 0, "draft": 0, "refused": 0}
    for source in sources:
        try:
            locations = message_locations(fetch(source.url, cap.MAX_INDEX_BYTES), source.url)
        except IngestError as error:
            logger.warning("CAP source %s: %s", source.url, error)
            counts["refused"] += 1
            continue
        for location in locations or [source.url]:
            try:
                message = cap.parse(fetch(location))
                if Alert.objects.filter(identifier=message.identifier).exists():
                    continue
                severity = message.info.severity if message.info else ""
                outcome = ingest(message, source=location, issue=source.issues(severity))
            except (IngestError, cap.CapError) as error:
                logger.warning("CAP message %s refused: %s", location, error)
                counts["refused"] += 1
                continue
            counts[outcome.action] = counts.get(outcome.action, 0) + 1
    done = {key: value for key, value in counts.items() if value}
    return ", ".join(f"{key} {value}" for key, value in done.items()) or None
