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


@pytest.fixture(scope="session")
def _running_mail_server():
    from tests.mailserver import MailServer

    with MailServer() as server:
        yield server


@pytest.fixture
def mail_server(_running_mail_server, settings):
    """A real SMTP server (tests/mailserver.py), cleared, with Django's mail settings (and so
    every ``send_mail``) pointed at it for this test."""
    _running_mail_server.reset()
    for name, value in _running_mail_server.settings().items():
        setattr(settings, name, value)
    yield _running_mail_server
    _running_mail_server.reset()
