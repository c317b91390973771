import pytest

from content.generation import bump_generation


@pytest.fixture(autouse=True)
def fresh_generation():
    """Each test's database starts over (rolled back), so validators cached by an earlier test
    must not be reused: a new content generation makes them unreachable, as a real change would."""
    bump_generation()
    yield
    bump_generation()
