"""Public pages reuse cached fragments, routes and the site under the content generation: what a
visitor sees still changes at once when content changes, and per-visitor parts never leak."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from content.generation import current_generation
from content.listing import PAGE_SIZE
from content.models import ContentIndexPage
from tests.content.factories import (
    ArticlePageFactory,
    EmergencyGuidePageFactory,
    ImageFactory,
    publish,
)

pytestmark = pytest.mark.django_db


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def html(client, path, **extra):
    response = client.get(path, **extra)
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.fixture
def article(site_tree):
    return ArticlePageFactory(
        title="旧标题",
        audiences=["elderly"],
        cover_image=ImageFactory(),
        first_published_at=days_ago(1),
    )


def test_publishing_shows_at_once_on_home_listing_and_audience_page(client, article):
    for path in ("/", "/kepu/", "/for/elderly/"):
        assert "旧标题" in html(client, path)
    generation = current_generation()
    ArticlePageFactory(title="新发布", audiences=["elderly"], first_published_at=timezone.now())
    assert current_generation() != generation
    for path in ("/", "/kepu/", "/for/elderly/"):
        assert "新发布" in html(client, path), path


def test_edit_unpublish_and_delete_show_at_once(client, article):
    url = article.url
    assert "旧标题" in html(client, url)
    article.title = "新标题"
    publish(article)
    assert "新标题" in html(client, url)
    assert "新标题" in html(client, "/kepu/")
    article.unpublish()
    assert client.get(url).status_code == 404
    assert "新标题" not in html(client, "/kepu/")
    article.delete()
    assert client.get(url).status_code == 404


def test_moved_page_is_found_at_its_new_address(client, site_tree, article):
    old_url = article.url
    assert client.get(old_url).status_code == 200
    other = site_tree.add_child(instance=ContentIndexPage(title="更多科普", slug="more"))
    article.move(other, pos="last-child")
    article.refresh_from_db()
    # The cached route to the old address is gone: Wagtail's redirect for the move answers.
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == article.url
    assert "旧标题" in html(client, article.url)


def test_taxonomy_change_updates_the_cached_filter_choices(client, article):
    from content.models import Audience

    assert "老年朋友" not in html(client, "/kepu/")
    audience = Audience.objects.get(slug="elderly")
    audience.name = "老年朋友"
    audience.save()
    assert "老年朋友" in html(client, "/kepu/")


def test_repeat_views_run_no_query(client, article):
    paths = ["/", "/kepu/", "/kepu/?audience=elderly", "/for/elderly/", article.url]
    for path in paths:
        html(client, path)
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            html(client, path)
        assert len(queries) == 0, (path, [query["sql"] for query in queries])


def test_reading_mode_and_current_navigation_entry_are_per_request(client, article):
    html(client, article.url)  # cached now
    large = html(client, article.url, HTTP_COOKIE="kepu_reading=large")
    assert 'class="reading-large"' in large
    assert 'class="reading-standard"' in html(client, article.url)
    # The section holding the page is marked in the (cached) navigation, home is not.
    assert 'href="/kepu/" aria-current="page"' in large
    assert 'href="/" aria-current="page"' not in large
    home = html(client, "/")
    assert 'href="/" aria-current="page"' in home
    assert 'href="/kepu/" aria-current="page"' not in home


def test_page_links_keep_only_the_understood_filters(client, site_tree):
    for number in range(PAGE_SIZE + 1):
        ArticlePageFactory(audiences=["youth"], first_published_at=days_ago(number))
    page = html(client, "/kepu/?audience=aliens&audience=youth&utm_source=x")
    assert 'href="?audience=youth&amp;page=2"' in page
    # The same filters in another order or with junk land on the same cached listing.
    assert (
        html(client, "/kepu/?utm_source=x&audience=youth&page=2").count('class="card__link"') == 1
    )
    assert 'href="?audience=youth&amp;page=1"' in html(client, "/kepu/?audience=youth&page=999")


def test_view_restriction_added_later_is_enforced_at_once(client, article):
    assert client.get(article.url).status_code == 200
    PageViewRestriction.objects.create(page=article, restriction_type="login")
    response = client.get(article.url)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_preview_is_never_served_from_or_stored_in_the_cache(client, article):
    url = article.url
    assert "旧标题" in html(client, url)
    article.title = "草稿标题"  # unsaved, as in the editor's preview panel
    preview = article.make_preview_request()
    assert "草稿标题" in preview.content.decode()
    live = html(client, url)
    assert "旧标题" in live
    assert "草稿标题" not in live


def test_emergency_index_lists_a_new_guide_at_once(client, site_tree):
    first = EmergencyGuidePageFactory(title="寒潮来了", hazard="cold_wave")
    index_url = first.get_parent().url
    assert "寒潮来了" in html(client, index_url)
    assert "沙尘暴来了" not in html(client, index_url)
    EmergencyGuidePageFactory(title="沙尘暴来了", hazard="sandstorm")
    assert "沙尘暴来了" in html(client, index_url)
