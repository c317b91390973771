import pytest

from tests.site_tree import ensure_site_tree


@pytest.fixture
def site_tree(db):
    """The root page, home page and default site, recreated if a transactional test flushed them."""
    return ensure_site_tree()
