"""Private documents and media are served only after a permission check, whatever URL is forged
(point 14 of issue 12)."""

import pytest
from django.test import override_settings
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from tests.content import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_collection():
    collection = Collection.get_first_root_node().add_child(name="内部资料")
    restriction = CollectionViewRestriction.objects.create(
        collection=collection, restriction_type="password", password="kepu-secret"
    )
    return collection, restriction


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def unlock(client, restriction):
    response = client.post(
        f"/documents/authenticate_with_password/{restriction.pk}/",
        {"password": "kepu-secret", "return_url": "/"},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("serve_media", [True, False])
def test_a_private_document_is_never_served_by_its_file_url(
    client, private_collection, serve_media
):
    collection, restriction = private_collection
    document = factories.DocumentFactory(collection=collection)
    secret = document.file.read()
    view_url = f"/documents/{document.pk}/{document.filename}"
    forged = f"/media/{document.file.name}"
    assert document.url == view_url
    with override_settings(SERVE_MEDIA=serve_media):
        assert body(client.get(view_url)) != secret  # the password form
        assert client.get(forged).status_code == 404
        assert client.get(forged.replace("/media/", "/media//")).status_code == 404
        # Disguised as another folder, or not normalised: still never served from MEDIA_ROOT.
        for disguise in ["documents/../", "images/../", "original_images/../", "media/../", "./"]:
            assert client.get(forged.replace("/media/", f"/media/{disguise}")).status_code == 404
        unlock(client, restriction)
        assert body(client.get(view_url)) == secret
        # Even once allowed, the file is only reachable through the checking view.
        assert client.get(forged).status_code == 404


def test_a_public_document_is_served_by_the_view_only(client):
    document = factories.DocumentFactory()
    response = client.get(document.url)
    assert response.status_code == 200
    assert body(response).startswith(b"WEBVTT")
    assert client.get(f"/media/{document.file.name}").status_code == 404


@pytest.mark.parametrize("serve_media", [True, False])
def test_media_of_a_private_collection_needs_the_password(client, private_collection, serve_media):
    collection, restriction = private_collection
    media = factories.MediaFactory(collection=collection)
    public = factories.MediaFactory()
    with override_settings(SERVE_MEDIA=serve_media):
        assert client.get(media.url).status_code == 403
        assert "此文件受访问限制" in client.get(media.url).content.decode()
        assert client.get(public.url).status_code == 200
        assert client.get("/media/media/not-a-known-file.mp4").status_code == 404
        unlock(client, restriction)
        response = client.get(media.url)
        assert response.status_code == 200
        assert body(response) == b"\x00\x00\x00\x18ftypmp42"


def test_media_shown_only_on_a_private_page_needs_a_login(client, site_tree, django_user_model):
    page = factories.VideoPageFactory(title="内部培训视频")
    PageViewRestriction.objects.create(page=page, restriction_type="login")
    video = page.video
    assert client.get(video.url).status_code == 403
    client.force_login(django_user_model.objects.create_user("viewer", password="x"))
    assert client.get(video.url).status_code == 200
    # Shown on a public page too: then it is public.
    client.logout()
    factories.VideoPageFactory(title="公开视频", video=video)
    assert client.get(video.url).status_code == 200


def test_images_are_served_only_while_serve_media_is_on(client):
    image = factories.ImageFactory()
    url = f"/media/{image.file.name}"
    with override_settings(SERVE_MEDIA=True):
        assert client.get(url).status_code == 200
    with override_settings(SERVE_MEDIA=False):
        assert client.get(url).status_code == 404
