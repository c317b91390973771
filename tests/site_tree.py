from wagtail.models import Locale, Page, Site

from home.models import HomePage


def ensure_site_tree():
    """Return the default site's home page, rebuilding root, home and site after a flush.

    Transactional tests (the live server ones) empty every table, including the rows that the
    data migrations created, so tests that need the tree ask for it through this.
    """
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
