import pytest
from django.core.cache import cache
from django.test import Client

from content.models import Region
from screens.provisioning import provision


@pytest.fixture(autouse=True)
def clean_cache():
    """Tests roll the database back; cached tokens, versions and manifests must go with it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_screen(site_tree):
    def make(name="中山路广场屏", region="150105", place="square", **fields):
        return provision(name, region, place, **fields)

    return make


@pytest.fixture
def screen_and_token(make_screen):
    return make_screen()


@pytest.fixture
def screen_client(screen_and_token):
    _screen, token = screen_and_token
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def region():
    return Region.objects.get(code="150105")
