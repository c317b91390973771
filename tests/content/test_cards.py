"""A card's cover: WebP and JPEG at two widths, decorative, and no broken picture when the
original file is gone from storage."""

import re

import pytest

from tests.content.factories import ArticlePageFactory, ImageFactory

pytestmark = pytest.mark.django_db


def card_html(client, title):
    html = client.get("/kepu/").content.decode()
    start = html.index(title)
    card = html[html.rindex("<li", 0, start) : html.index("</li>", start)]
    return card


def test_a_card_cover_is_a_webp_and_jpeg_picture_with_an_empty_alt(client, site_tree):
    ArticlePageFactory(title="有封面的文章", cover_image=ImageFactory())
    card = card_html(client, "有封面的文章")
    source = re.search(r'<source[^>]*type="image/webp"[^>]*>', card).group(0)
    img = re.search(r"<img[^>]*>", card).group(0)
    assert len(re.findall(r" \d+w", source)) == 2 and 'sizes="(min-width: 64rem)' in source
    assert len(re.findall(r"\.jpg \d+w", img)) == 2 and 'sizes="(min-width: 64rem)' in img
    assert 'alt=""' in img and 'loading="lazy"' in img


def test_a_cover_whose_file_is_missing_leaves_the_card_without_a_picture(client, site_tree):
    image = ImageFactory()
    image.file.storage.delete(image.file.name)
    ArticlePageFactory(title="封面文件丢失", cover_image=image)
    response = client.get("/kepu/")
    assert response.status_code == 200
    card = card_html(client, "封面文件丢失")
    assert "<picture" not in card and "not-found" not in card
