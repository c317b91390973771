"""An alert row as a CAP 1.2 message (``alerts.cap``), and the regions a CAP area names.

One ``info`` in zh-CN; one CAP ``area`` per region, named by its GB/T 2260 code, so a reader
that knows the codes maps them back exactly (``ingest_cap`` does: ``regions_for``).
"""

from django.utils import timezone

from content.models import Region

from . import cap


def to_cap(alert):
    """The CAP message of an alert; one not yet issued says ``Draft``, as CAP asks."""
    references = []
    if alert.replaces_id is not None:
        original = alert.replaces
        references.append(
            (original.sender, original.identifier, cap.format_cap_datetime(original.sent))
        )
    issued = alert.issued_at is not None
    info = cap.CapInfo(
        language="zh-CN",
        categories=[alert.category],
        event=alert.event,
        urgency=alert.urgency,
        severity=alert.severity,
        certainty=alert.certainty,
        onset=alert.onset,
        expires=alert.expires,
        sender_name=alert.sender_name,
        headline=alert.headline,
        description=alert.description,
        instruction=alert.instruction,
        web=alert.get_full_url(),
        areas=[
            cap.CapArea(desc=region.name, geocodes=[(cap.GEOCODE_VALUE_NAME, region.code)])
            for region in alert.areas.order_by("path")
        ],
    )
    return cap.CapMessage(
        identifier=alert.identifier,
        sender=alert.sender,
        sent=alert.sent if issued else (alert.sent or alert.created_at or timezone.now()),
        status=alert.status if issued else "Draft",
        msg_type=alert.msg_type,
        scope="Public",
        references=references,
        note=alert.note,
        info=info,
    )


def render(alert):
    return cap.render(to_cap(alert))


def _significant(code):
    """A GB/T 2260 code without its trailing zero levels: 150000 → 15, 150100 → 1501."""
    code = code.strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def regions_for(areas):
    """(regions, unmatched area descriptions): a geocode that is one of our regions maps to it;
    one above our whole tree (the province, the country) maps to the top of the tree; others (a
    neighbouring city) match nothing here."""
    roots = list(Region.get_root_nodes())
    found, unmatched = {}, []
    for area in areas:
        matched = False
        for _name, value in area.geocodes:
            region = Region.objects.filter(code=value.strip()).first()
            if region is not None:
                found[region.pk] = region
                matched = True
                continue
            prefix = _significant(value)
            if not prefix.isdigit():
                continue
            for root in roots:
                if root.code.startswith(prefix):
                    found[root.pk] = root
                    matched = True
        if not matched:
            unmatched.append(area.desc)
    return list(found.values()), unmatched
