from importlib import import_module

from django.apps import apps as django_apps
from wagtail.models import Collection, Locale, Page, Site

from home.models import HomePage


def restore_seeded_rows():
    """Put back what data migrations seed that tests rely on: the root collection, audiences,
    regions and topics. Each step is idempotent."""
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    import_module("content.migrations.0002_seed_taxonomy").seed(django_apps, None)


def ensure_site_tree():
    """Return the default site's home page, rebuilding what a flush removed.

    Transactional tests (the live server ones) empty every table, including the rows that the
    data migrations created, so tests that need the tree ask for it through this.
    """
    restore_seeded_rows()
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None:
        return site.root_page.specific
    locale, _ = Locale.objects.get_or_create(language_code="zh-hans")
    root = Page.get_first_root_node() or Page.add_root(title="Root", locale=locale)
    home = root.add_child(instance=HomePage(title="科普青城", slug="home", locale=locale))
    Site.objects.create(
        hostname="localhost", site_name="科普青城", root_page=home, is_default_site=True
    )
    return home
