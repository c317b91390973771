"""The fixed sections of the site tree that content lives in."""

from django.db import transaction
from wagtail.models import Site

from .models import ContentIndexPage, EmergencyIndexPage

CONTENT_SECTION = {"slug": "kepu", "title": "科普资源"}
EMERGENCY_SECTION = {"slug": "emergency", "title": "应急科普"}


@transaction.atomic
def ensure_sections(home=None):
    """Return (content index, emergency index) under the home page, creating what is missing."""
    if home is None:
        home = Site.objects.get(is_default_site=True).root_page
    content_index = ContentIndexPage.objects.child_of(home).first()
    if content_index is None:
        content_index = ContentIndexPage(show_in_menus=True, **CONTENT_SECTION)
        home.add_child(instance=content_index)
    emergency_index = EmergencyIndexPage.objects.child_of(home).first()
    if emergency_index is None:
        emergency_index = EmergencyIndexPage(show_in_menus=True, **EMERGENCY_SECTION)
        home.refresh_from_db()
        home.add_child(instance=emergency_index)
    return content_index, emergency_index
