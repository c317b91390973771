"""``content_changed`` (``content.changes``): one signal per committed transaction, never for
one rolled back, carrying which pages changed with their types, taxonomy and whether their
public visibility may have changed."""

import pytest
from django.db import transaction
from taggit.models import Tag

from content import changes
from content.changes import content_changed
from content.models import ArticlePage, Audience
from tests.content.factories import ArticlePageFactory, ImageFactory, publish


class Rollback(Exception):
    pass


@pytest.fixture
def heard():
    told = []

    def receiver(sender, change, **kwargs):
        told.append(change)

    content_changed.connect(receiver, dispatch_uid="tests.content.changes")
    yield told
    content_changed.disconnect(dispatch_uid="tests.content.changes")


def one(told):
    assert len(told) == 1, told
    return told[0]


def only_page(change, pk):
    [page] = [page for page in change.pages if page.pk == pk]
    return page


def topic_slug(name):
    return Tag.objects.get(name=name).slug


@pytest.mark.django_db(transaction=True)
def test_a_receiver_hears_a_change_once_after_commit_and_never_on_rollback(site_tree, heard):
    with transaction.atomic():
        page = ArticlePageFactory(title="沙尘暴来了怎么办", audiences=["elderly"])
        assert heard == [], "told before the commit"
    change = one(heard)
    assert page.pk in change.page_ids

    heard.clear()
    with pytest.raises(Rollback), transaction.atomic():
        ArticlePageFactory(title="不会留下的文章")
        raise Rollback
    assert heard == []

    # A savepoint rolled back inside a committed transaction takes its pages with it.
    with transaction.atomic():
        kept = ArticlePageFactory(title="留下的文章")
        with pytest.raises(Rollback), transaction.atomic():
            dropped = ArticlePageFactory(title="撤回的文章")
            raise Rollback
    change = one(heard)
    assert kept.pk in change.page_ids
    assert dropped.pk not in change.page_ids

    # Once per transaction, even when other on-commit work was registered in between.
    heard.clear()
    with transaction.atomic():
        first = ArticlePageFactory(title="第一篇")
        transaction.on_commit(lambda: None)
        second = ArticlePageFactory(title="第二篇")
    assert {first.pk, second.pk} <= one(heard).page_ids


@pytest.mark.django_db(transaction=True)
def test_a_change_outside_a_transaction_is_told_at_once(site_tree, heard):
    image = ImageFactory()
    heard.clear()

    image.title = "新标题"
    image.save()

    assert one(heard).models == {image._meta.label_lower}
    assert one(heard).page_ids == frozenset()


def test_a_publish_carries_the_type_taxonomy_and_a_visibility_change(
    site_tree, heard, django_capture_on_commit_callbacks
):
    page = ArticlePageFactory(
        live=False, audiences=["elderly"], topics=["防范电信诈骗"], regions=["150102"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        publish(ArticlePage.objects.get(pk=page.pk))

    change = one(heard)
    published = only_page(change, page.pk)
    assert published.model is ArticlePage
    assert published.kind == "article"
    assert changes.PUBLISHED in published.actions
    assert published.visibility_changed
    assert change.visibility_changed
    assert published.audiences == {"elderly"}
    assert published.topics == {topic_slug("防范电信诈骗")}
    assert published.regions == {"150102"}
    assert change.kinds == {"article"}
    assert change.audiences == {"elderly"}


def test_an_unpublish_carries_a_visibility_change(
    site_tree, heard, django_capture_on_commit_callbacks
):
    page = ArticlePageFactory(audiences=["youth"])
    with django_capture_on_commit_callbacks(execute=True):
        ArticlePage.objects.get(pk=page.pk).unpublish()

    withdrawn = only_page(one(heard), page.pk)
    assert changes.UNPUBLISHED in withdrawn.actions
    assert withdrawn.visibility_changed
    assert withdrawn.kind == "article"
    assert withdrawn.audiences == {"youth"}


def test_a_taxonomy_edit_carries_old_and_new_values_and_no_visibility_change(
    site_tree, heard, django_capture_on_commit_callbacks
):
    page = ArticlePageFactory(audiences=["elderly"], topics=["防范电信诈骗"])
    with django_capture_on_commit_callbacks(execute=True):
        page = ArticlePage.objects.get(pk=page.pk)
        page.audiences.set(Audience.objects.filter(slug="youth"))
        page.tags.set(["健康生活"])
        page.save()

    change = one(heard)
    edited = only_page(change, page.pk)
    assert changes.TAXONOMY in edited.actions
    assert changes.PUBLISHED not in edited.actions
    assert not edited.visibility_changed
    assert not change.visibility_changed
    # Listings for the values it lost changed as much as those for the values it gained.
    assert edited.audiences == {"elderly", "youth"}
    assert edited.topics == {topic_slug("防范电信诈骗"), topic_slug("健康生活")}


def test_clearing_the_review_record_of_a_live_page_is_a_visibility_change(
    site_tree, heard, django_capture_on_commit_callbacks
):
    page = ArticlePageFactory()
    with django_capture_on_commit_callbacks(execute=True):
        page = ArticlePage.objects.get(pk=page.pk)
        page.reviewed_by = ""
        page.save()

    assert only_page(one(heard), page.pk).visibility_changed


def test_the_generation_moves_on_before_receivers_run(
    site_tree, heard, django_capture_on_commit_callbacks
):
    from content.caching import current_generation

    seen = []
    content_changed.connect(
        lambda sender, change, **kwargs: seen.append(current_generation()),
        dispatch_uid="tests.content.changes.token",
        weak=False,
    )
    try:
        before = current_generation()
        with django_capture_on_commit_callbacks(execute=True):
            ArticlePageFactory()
    finally:
        content_changed.disconnect(dispatch_uid="tests.content.changes.token")
    assert seen and seen[-1] != before


def test_a_model_another_app_declares_counts_and_one_it_does_not_declare_does_not(
    site_tree, heard, django_capture_on_commit_callbacks
):
    from home.models import HomePageFeatured
    from screens.models import ScreenGroup

    page = ArticlePageFactory()
    with django_capture_on_commit_callbacks(execute=True):
        HomePageFeatured.objects.create(home=site_tree, page=page, sort_order=0)
    assert one(heard).models == {"home.homepagefeatured"}

    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ScreenGroup.objects.create(name="广场屏")
    assert heard == []
