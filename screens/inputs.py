"""Field types for what screens send: refused with a 400 at validation, before any database.

A datetime whose offset pushes it past year 1 or 9999 once converted to UTC (``0001-01-01T00:00
+23:59``) overflows in Python and in the database driver; a NUL is refused by PostgreSQL and a lone
surrogate (``"\\ud800"`` is valid JSON) by every UTF-8 encoder. Each used to end in a 500. These
types turn them into a validation error, which the API answers as a 400 JSON naming the field.
"""

import datetime
import re
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator

# A screen's clock can be wrong, but not by decades: outside this range a time is garbage.
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _moment(value):
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_current_timezone())
        value = value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise ValueError("time out of range (2000-01-01 .. 2100-01-01 UTC)") from None
    if not EARLIEST <= value < LATEST:
        raise ValueError("time out of range (2000-01-01 .. 2100-01-01 UTC)")
    return value


def _text(value):
    if CONTROL.search(value):
        raise ValueError("control characters (NUL, U+0001..U+001F, U+007F) are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text (lone surrogate)") from None
    return value


# An aware datetime in UTC, within EARLIEST..LATEST.
Moment = Annotated[datetime.datetime, AfterValidator(_moment)]
# One line of printable text: identifiers, versions, secrets.
Text = Annotated[str, AfterValidator(_text)]
