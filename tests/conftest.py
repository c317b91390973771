import pytest

from tests.site_tree import ensure_site_tree


@pytest.fixture
def site_tree(db):
    """The root page, home page and default site, recreated if a transactional test flushed them."""
    return ensure_site_tree()


@pytest.fixture(autouse=True)
def fresh_content_generation():
    """Rendered fragments and routes are cached under the content generation; each test's
    database is rolled back or flushed afterwards without a signal, so every test starts (and
    ends) on a new generation, as a real content change would."""
    from content.generation import bump_generation

    bump_generation()
    yield
    bump_generation()
