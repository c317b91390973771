import pytest
from django.core.cache import cache

from alerts import active

from .factories import make_person


@pytest.fixture(autouse=True)
def fresh_alert_state():
    """Tests roll the database back without signals: the banner memo and cached manifests must
    not outlive them."""
    active.forget()
    cache.clear()
    yield
    active.forget()
    cache.clear()


@pytest.fixture
def drafter(db):
    return make_person("drafter", last_name="王", first_name="芳")


@pytest.fixture
def confirmer(db):
    return make_person("confirmer", last_name="张", first_name="伟")


@pytest.fixture
def outsider(db):
    return make_person("outsider", confirmer=False, last_name="赵", first_name="强")
