"""The CAP fixtures, moved in time so they are current whenever the tests run.

Every timestamp in a file (sent, onset, expires, and those inside ``references``) moves by the
same amount, so the messages keep their order and still reference each other exactly.
"""

import datetime
import re
from pathlib import Path

from django.utils import timezone

FIXTURES = Path(__file__).parent / "fixtures"
# The cold-wave alert's `sent` in the files: "now" after the shift.
ANCHOR = datetime.datetime.fromisoformat("2026-12-07T08:00:00+08:00")
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")


def shift():
    return timezone.now().replace(microsecond=0) - ANCHOR - datetime.timedelta(minutes=1)


def current(name, delta=None):
    """The bytes of fixture ``name``, with its times moved to the present."""
    delta = shift() if delta is None else delta
    text = (FIXTURES / name).read_text(encoding="utf-8")

    def moved(match):
        moment = datetime.datetime.fromisoformat(match.group(0)) + delta
        return moment.isoformat(timespec="seconds")

    return STAMP.sub(moved, text).encode("utf-8")


def write_current(directory, *names):
    """Copy fixtures, moved to the present, into ``directory`` (the same relative layout)."""
    delta = shift()
    paths = []
    for name in names:
        target = Path(directory) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(current(name, delta))
        paths.append(target)
    return paths
