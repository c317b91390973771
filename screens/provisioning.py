"""Creating screens from the command line or a CSV file, each with a fresh token."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from content.models import Region

from . import auth
from .models import Orientation, PlaceType, Screen

CSV_COLUMNS = [
    "name",
    "region",
    "place",
    "address",
    "latitude",
    "longitude",
    "orientation",
    "width",
    "height",
]


def provisioning_url(token):
    # A fragment: browsers never send it, so the token stays out of server and proxy logs.
    return f"{settings.SITE_URL}/screen/#token={token}"


def place_value(value):
    """A place type from its key (square) or its label (广场)."""
    value = (value or "").strip()
    for key, label in PlaceType.choices:
        if value in (key, str(label)):
            return key
    raise ValidationError(f"unknown place type {value!r}: one of {', '.join(PlaceType.values)}")


def provision(name, region_code, place, **fields):
    """(screen, token) for a new, validated screen."""
    region = Region.objects.filter(code=(region_code or "").strip()).first()
    if region is None:
        raise ValidationError(f"unknown region code {region_code!r}")
    values = {key: value for key, value in fields.items() if value not in (None, "")}
    if "orientation" in values and values["orientation"] not in Orientation.values:
        raise ValidationError(f"orientation must be one of {', '.join(Orientation.values)}")
    screen = Screen(name=(name or "").strip(), region=region, place=place_value(place), **values)
    screen.full_clean(exclude=["playlist"])
    with transaction.atomic():
        screen.save()
        token = auth.issue_token(screen)
    return screen, token
