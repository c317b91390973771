"""The API docs work on a closed network under the site's CSP, and absolute URLs in the search
API use SITE_URL (point 18 of issue 12)."""

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from wagtail.models import Site

from tests.content import factories

pytestmark = pytest.mark.django_db


# WhiteNoise serves from STATIC_ROOT (collectstatic) unless told to use the finders, as in
# development; a fresh client builds its middleware under these settings.
@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_the_api_docs_page_loads_everything_from_this_site():
    client = Client()
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references, html
    assert all(not urlsplit(url).netloc for url in references), references
    assert "cdn" not in html.lower()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    for url in references:
        asset = client.get(url)
        assert asset.status_code == 200, url
    assert any(url.endswith("swagger-ui-bundle.js") for url in references)


@pytest.mark.parametrize(
    ("site_url", "prefix"),
    [
        ("https://kepu.example.cn", "https://kepu.example.cn/"),
        ("http://kepu.example.cn:8080", "http://kepu.example.cn:8080/"),
    ],
)
def test_search_api_urls_use_site_url_after_bootstrap(client, site_tree, site_url, prefix):
    factories.ArticlePageFactory(title="沙尘暴来了怎么办", summary="关好门窗", body=[])
    with override_settings(SITE_URL=site_url):
        call_command("bootstrap_site", stdout=open("/dev/null", "w"))  # noqa: SIM115
    site = Site.objects.get(is_default_site=True)
    assert site.root_url + "/" == prefix
    results = client.get("/api/v1/search", {"q": "沙尘暴"}).json()["results"]
    assert results and all(item["url"].startswith(prefix) for item in results), results


def test_bootstrap_refuses_https_on_another_port(site_tree):
    from django.core.management.base import CommandError

    with override_settings(SITE_URL="https://kepu.example.cn:8443"), pytest.raises(CommandError):
        call_command("bootstrap_site")
