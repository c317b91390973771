"""Importer input that used to abort the whole run: each bad line now fails on its own."""

import json
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models.signals import post_save

from content.models import ArticlePage
from tests.content.test_import import (
    Image,
    article,
    run,
    video,
)

pytestmark = pytest.mark.django_db


def png_header(width, height):
    """A PNG whose header claims ``width`` × ``height``: enough for any reader to size it."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def media_files():
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def assert_only_the_bad_line_failed(out, err, error, message):
    assert message in err.splitlines(), err
    assert error is not None and error.returncode == 1
    assert out.strip().splitlines()[-1] == "created 2, updated 0, unchanged 0, failed 1"
    assert set(ArticlePage.objects.values_list("external_id", flat=True)) == {"good-1", "good-2"}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            json.dumps(article("x", image="images/cover\u0000.png")),
            "line 2: image: 路径含有控制字符：'images/cover\\x00.png'",
        ),
        (
            json.dumps(video("x", duration=1)).replace(
                '"duration": 1', '"duration": ' + "9" * 5000
            ),
            "line 2: json: 数字过大（不能超过 15 位）",
        ),
        ("[" * 100_000 + "]" * 100_000, "line 2: json: 嵌套层数过多（不能超过 20 层）"),
        (
            json.dumps(article("x", title="标题" + "长" * 6_000_000)),
            "line 2: json: 这一行超过 5 MB",
        ),
        (
            json.dumps(video("x", duration=10**9)),
            "line 2: duration: 应为 0 到 86400 之间的整数（秒）",
        ),
        (json.dumps(video("x", duration=-1)), "line 2: duration: 应为 0 到 86400 之间的整数（秒）"),
    ],
    ids=[
        "nul-in-path",
        "5000-digit-integer",
        "nested-100000",
        "line-over-5mb",
        "huge-duration",
        "negative-duration",
    ],
)
def test_hostile_values_fail_their_own_line(export, bad, message):
    out, err, error = run(export(article("good-1"), bad, article("good-2")))
    assert_only_the_bad_line_failed(out, err, error, message)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            article("x", title="铃声\u0007标题"),
            "line 2: title: 含有不可见的控制字符 U+0007，请删除后再提交",
        ),
        (
            article("x", body="<p>\u001b[31m</p>"),
            "line 2: body: 含有不可见的控制字符 U+001B，请删除后再提交",
        ),
        (
            article("x", topics=["\u0000"]),
            "line 2: topics: 含有不可见的控制字符 U+0000，请删除后再提交",
        ),
        (
            video("x", transcript="a\u000bb"),
            "line 2: transcript: 含有不可见的控制字符 U+000B，请删除后再提交",
        ),
    ],
    ids=["title", "body", "topics", "transcript"],
)
def test_control_characters_fail_their_line(export, bad, message):
    out, err, error = run(export(article("good-1"), bad, article("good-2")))
    assert_only_the_bad_line_failed(out, err, error, message)


def test_tab_newline_and_carriage_return_stay_allowed(export):
    out, err, error = run(export(article("a", summary="第一行\r\n第二行\t制表")))
    assert error is None, err
    assert ArticlePage.objects.get().summary == "第一行\r\n第二行\t制表"


def test_the_admins_image_limits_apply_to_imports(export, tmp_path, settings):
    (tmp_path / "images" / "huge.png").write_bytes(png_header(15_000, 15_000))  # 225 MP
    (tmp_path / "images" / "wide.png").write_bytes(png_header(12_000, 11_000))  # 132 MP
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 2000
    (tmp_path / "images" / "heavy.png").write_bytes(png_header(10, 10) + b"\x00" * 3000)

    for name, message in [
        (
            "huge.png",
            "line 2: image: 图片像素过多（上限 128,000,000 像素）：images/huge.png",
        ),
        (
            "wide.png",
            "line 2: image: 图片像素过多（12000×11000，上限 128,000,000 像素）：images/wide.png",
        ),
        ("heavy.png", "line 2: image: 文件过大（3.0 KB，上限 2.0 KB）：images/heavy.png"),
    ]:
        ArticlePage.objects.all().delete()
        out, err, error = run(
            export(article("good-1"), article("x", image=f"images/{name}"), article("good-2"))
        )
        assert_only_the_bad_line_failed(out, err, error, message)
    assert Image.objects.count() == 1


def test_an_unexpected_error_fails_only_its_line_and_leaves_no_file(export):
    """A listener that breaks (here: a post_save receiver raising) fails the line being
    written, after its cover file was stored: the file and its rows go, the run goes on."""

    def broken_listener(sender, instance, **kwargs):
        if instance.title == "文章boom":
            raise RuntimeError("listener broke")

    post_save.connect(broken_listener, sender=ArticlePage, dispatch_uid="test_broken")
    try:
        before = media_files()
        out, err, error = run(
            export(article("good-1"), article("boom", image="images/other.png"), article("good-2"))
        )
    finally:
        post_save.disconnect(dispatch_uid="test_broken")

    assert_only_the_bad_line_failed(
        out, err, error, "line 2: page: 导入时出错（RuntimeError: listener broke）"
    )
    assert Image.objects.count() == 1
    assert len(media_files()) == len(before) + 1  # the good lines' shared cover only


def test_a_line_failing_after_its_page_joined_the_tree_leaves_the_tree_sound(export):
    """The page is in the tree (its parent counted it) when publishing breaks: the line rolls
    back, and the lines after it still land in a tree whose child counts are true. The first
    line fails: its section had no child before it, and must be known to have none again."""
    from wagtail.models import Page
    from wagtail.signals import page_published

    def broken_listener(sender, instance, **kwargs):
        if instance.title == "文章boom":
            raise RuntimeError("listener broke")

    page_published.connect(broken_listener, dispatch_uid="test_broken_publish")
    try:
        out, err, error = run(export(article("boom"), article("good-1"), article("good-2")))
    finally:
        page_published.disconnect(dispatch_uid="test_broken_publish")

    assert_only_the_bad_line_failed(
        out, err, error, "line 1: page: 导入时出错（RuntimeError: listener broke）"
    )
    section = ArticlePage.objects.get(external_id="good-2").get_parent()
    assert section.numchild == section.get_children().count() == 2
    assert Page.find_problems() == ([], [], [], [], [])


@pytest.fixture
def refuse_image_row():
    """A database that refuses to store one image row (titled 文章refused), after its file is
    written: a real constraint failure inside the image's own save."""
    table = Image._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION kepu_refuse_image() RETURNS trigger AS $$ BEGIN "
                "IF NEW.title = '文章refused' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER kepu_refuse_image BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION kepu_refuse_image()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER kepu_refuse_image BEFORE INSERT ON {table} "
                "WHEN NEW.title = '文章refused' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER kepu_refuse_image ON {table}")
            cursor.execute("DROP FUNCTION kepu_refuse_image()")
        else:
            cursor.execute("DROP TRIGGER kepu_refuse_image")


def test_a_file_whose_row_is_refused_is_not_left_in_media_root(export, refuse_image_row):
    before = media_files()
    out, err, error = run(
        export(article("good-1"), article("refused", image="images/other.png"), article("good-2"))
    )

    assert error is not None
    assert "failed 1" in out
    assert any(line.startswith("line 2: ") and "refused" in line for line in err.splitlines())
    assert Image.objects.count() == 1
    assert len(media_files()) == len(before) + 1
