"""The knowledge-base import (`import_content`) and the demo loader (`load_demo`)."""

import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision
from wagtailmedia.models import Media

from content.models import (
    CONTENT_PAGE_MODELS,
    ArticlePage,
    ComicPage,
    ContentIndexPage,
    EmergencyGuidePage,
    EmergencyIndexPage,
    VideoPage,
)
from tests.content.conftest import VTT

pytestmark = pytest.mark.django_db

Image = get_image_model()
Document = get_document_model()


def article(external_id="a-1", **overrides):
    line = {
        "external_id": external_id,
        "source": "科普中国",
        "type": "article",
        "title": f"文章{external_id}",
        "summary": "摘要",
        "body": "<p>正文<strong>重点</strong></p><script>alert(1)</script>",
        "audiences": ["elderly"],
        "topics": ["防范电信诈骗", "数字技能"],
        "regions": ["150102"],
        "published_at": "2026-05-01T08:00:00+08:00",
        "image": "images/cover.png",
    }
    line.update(overrides)
    return line


def video(external_id="v-1", **overrides):
    line = article(external_id, type="video", title="沙尘暴视频", body="")
    line.update(video="media/clip.mp4", duration=95, captions="media/clip.vtt", transcript="大家好")
    line.update(overrides)
    return line


def comic(external_id="c-1", **overrides):
    line = article(external_id, type="comic", title="防骗漫画", body="")
    line["panels"] = [
        {"image": "comics/p1.png", "alt": "奶奶接电话", "text": "您中奖了"},
        {"image": "comics/p2.png", "alt": "孙子摇头", "text": "奶奶，这是骗子"},
        {"image": "comics/p3.png", "alt": "奶奶挂断", "text": "我才不上当"},
    ]
    line.update(overrides)
    return line


def emergency(external_id="e-1", **overrides):
    line = article(external_id, type="emergency", title="沙尘暴来了", body="<p>说明</p>")
    line.update(hazard="sandstorm", phase="during", actions=["关好门窗", "减少外出", "戴口罩"])
    line.update(overrides)
    return line


def run(path, *flags):
    """Run import_content; return (stdout, stderr, CommandError or None)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    error = None
    try:
        call_command("import_content", str(path), *flags, stdout=stdout, stderr=stderr)
    except CommandError as raised:
        error = raised
    return stdout.getvalue(), stderr.getvalue(), error


def counts():
    return {
        "pages": Page.objects.type(*CONTENT_PAGE_MODELS).count(),
        "images": Image.objects.count(),
        "media": Media.objects.count(),
        "documents": Document.objects.count(),
        "revisions": Revision.objects.count(),
        "files": sum(1 for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()),
    }


def test_imports_all_four_types_published_with_files_and_taxonomy(export):
    out, err, error = run(export(article(), video(), comic(), emergency()))

    assert error is None, err
    assert out.strip().splitlines()[-1] == "created 4, updated 0, unchanged 0, failed 0"
    assert Image.objects.count() == 4  # one cover (shared by all four) and three panels
    assert Media.objects.count() == 1
    assert Document.objects.count() == 1

    page = ArticlePage.objects.get(source="科普中国", external_id="a-1")
    assert page.live and not page.has_unpublished_changes
    assert isinstance(page.get_parent().specific, ContentIndexPage)
    assert [a.slug for a in page.audiences.all()] == ["elderly"]
    assert sorted(t.name for t in page.tags.all()) == ["数字技能", "防范电信诈骗"]
    assert [r.code for r in page.regions.all()] == ["150102"]
    assert page.first_published_at == datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    assert page.review_record == {
        "reviewer": "科普中国（导入）",
        "organisation": "科普中国",
        "date": datetime.date(2026, 5, 1),
    }
    assert page.cover_image.description == page.title
    body = str(page.body[0].value)
    assert page.body[0].block_type == "paragraph"
    assert "<strong>重点</strong>" in body and "<script>" not in body

    clip = VideoPage.objects.get(external_id="v-1")
    assert clip.duration == 95 and clip.transcript == "大家好"
    assert clip.video.type == "video" and clip.video.duration == 95
    assert clip.captions.file.read().decode() == VTT

    strip = ComicPage.objects.get(external_id="c-1")
    panels = list(strip.panels.all())
    assert [p.text for p in panels] == ["您中奖了", "奶奶，这是骗子", "我才不上当"]
    assert [p.image.description for p in panels] == ["奶奶接电话", "孙子摇头", "奶奶挂断"]

    guide = EmergencyGuidePage.objects.get(external_id="e-1")
    assert isinstance(guide.get_parent().specific, EmergencyIndexPage)
    assert guide.action_lines == ["关好门窗", "减少外出", "戴口罩"]
    assert (guide.hazard, guide.phase) == ("sandstorm", "during")


JSON_ERROR = "不是有效的 JSON（Expecting property name enclosed in double quotes）"
BAD_LINES = [
    ("{not json", f"line 2: json: {JSON_ERROR}"),
    (
        article("x", type="podcast"),
        "line 2: type: 未知类型“podcast”，应为 article、video、comic、emergency 之一",
    ),
    (article("x", audiences=["kids"]), "line 2: audiences: 未知受众“kids”"),
    (emergency("x", hazard="tsunami"), "line 2: hazard: 未知灾害类型“tsunami”"),
    (article("x", title=""), "line 2: title: 必填"),
    (article("x", image="images/missing.png"), "line 2: image: 文件不存在：images/missing.png"),
    (article("x", regions=["999999"]), "line 2: regions: 未知地区代码“999999”"),
    (emergency("x", actions=["只有一条"]), "line 2: actions: 需要 3—6 条行动要点，现在是 1 条。"),
    (comic("x", panels=[{"image": "comics/p1.png"}]), "line 2: panels[1].alt: 必填"),
    (
        article("x", image="../outside.png"),
        "line 2: image: 路径必须在导入文件所在的文件夹内：../outside.png",
    ),
]


@pytest.mark.parametrize(("bad", "message"), BAD_LINES)
def test_a_bad_line_is_reported_and_changes_nothing_while_good_lines_land(export, bad, message):
    # The bad line names an image of its own, so a half-written line would leave it behind.
    if isinstance(bad, dict) and bad["image"] == "images/cover.png":
        bad = dict(bad, image="images/other.png")
    out, err, error = run(export(article("good-1"), bad, article("good-2")))

    assert message in err.splitlines()
    assert error is not None and error.returncode == 1
    assert out.strip().splitlines()[-1] == "created 2, updated 0, unchanged 0, failed 1"
    assert set(ArticlePage.objects.values_list("external_id", flat=True)) == {"good-1", "good-2"}
    assert not Page.objects.type(*CONTENT_PAGE_MODELS).filter(title__startswith="文章x").exists()
    assert Image.objects.count() == 1  # the good lines' shared cover only


def test_changing_the_type_of_an_existing_identity_is_an_error(export):
    run(export(article("same")))
    out, err, error = run(export(video("same")))
    assert "line 1: type: 已有同一来源编号的文章，不能改为视频" in err
    assert error is not None
    assert not VideoPage.objects.exists()


def test_reimport_of_the_same_file_is_unchanged_and_writes_nothing(export):
    path = export(article(), video(), comic(), emergency())
    run(path)
    before = counts()
    out, err, error = run(path)

    assert error is None, err
    assert out.strip().splitlines()[-1] == "created 0, updated 0, unchanged 4, failed 0"
    assert counts() == before


def test_an_edited_line_updates_the_page_instead_of_duplicating_it(export):
    run(export(comic()))
    page = ComicPage.objects.get()
    first_published = page.first_published_at
    before = counts()
    edited = comic(title="防骗漫画（修订）")
    edited["panels"] = edited["panels"][::-1]

    out, err, error = run(export(edited))

    assert out.strip().splitlines()[-1] == "created 0, updated 1, unchanged 0, failed 0"
    page = ComicPage.objects.get()
    assert page.title == "防骗漫画（修订）"
    assert [p.text for p in page.panels.all()] == ["我才不上当", "奶奶，这是骗子", "您中奖了"]
    assert page.first_published_at == first_published
    after = counts()
    assert after["revisions"] == before["revisions"] + 1
    assert {k: v for k, v in after.items() if k != "revisions"} == {
        k: v for k, v in before.items() if k != "revisions"
    }


def test_two_lines_sharing_an_image_store_it_once(export):
    files_before = counts()["files"]
    run(export(article("a-1"), article("a-2")))
    first, second = ArticlePage.objects.order_by("external_id")
    assert first.cover_image_id == second.cover_image_id
    assert Image.objects.count() == 1
    assert counts()["files"] == files_before + 1


def test_dry_run_validates_and_reports_but_writes_nothing(export):
    before = counts()
    out, err, error = run(
        export(article(), article("x", audiences=["kids"]), emergency()), "--dry-run"
    )

    assert "line 2: audiences: 未知受众“kids”" in err
    assert error is not None
    assert "dry run: nothing was written" in out
    assert out.strip().splitlines()[-1] == "created 2, updated 0, unchanged 0, failed 1"
    assert counts() == before


def test_draft_submits_to_the_review_workflow_instead_of_publishing(export):
    out, err, error = run(export(article()), "--draft")

    assert error is None, err
    page = ArticlePage.objects.get()
    assert not page.live
    assert page.workflow_in_progress
    assert page.current_workflow_state.workflow.name == "科学性审核"
    assert page.review_record is None  # the reviewer signs when the workflow approves it
    assert page.get_latest_revision_as_object().tags.count() == 2


def test_load_demo_twice_leaves_the_same_pages_images_and_media(site_tree):
    first = io.StringIO()
    call_command("load_demo", stdout=first, stderr=io.StringIO())
    assert "created 64, updated 0, unchanged 0, failed 0" in first.getvalue()
    loaded = counts()
    assert loaded["pages"] == 64
    assert Page.objects.type(*CONTENT_PAGE_MODELS).live().count() == 64

    second = io.StringIO()
    call_command("load_demo", stdout=second, stderr=io.StringIO())
    assert "created 0, updated 0, unchanged 64, failed 0" in second.getvalue()
    assert counts() == loaded

    skipped = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=skipped)
    assert "content exists" in skipped.getvalue()
    assert counts() == loaded


def test_published_at_in_the_line_becomes_the_first_published_date(export):
    run(export(article(published_at="2025-12-31T23:30:00+08:00")))
    page = ArticlePage.objects.get()
    assert timezone.localtime(page.first_published_at).date() == datetime.date(2025, 12, 31)
    assert page.reviewed_at == datetime.date(2025, 12, 31)


def test_a_normal_import_after_a_draft_import_publishes_the_line(export):
    """--draft puts an edit into review; importing the same line normally is the trusted path
    (review record `<source>（导入）`): it publishes that text and supersedes the pending review."""
    run(export(article()))
    edited = article(title="文章a-1（修订）", summary="新摘要")
    run(export(edited), "--draft")
    page = ArticlePage.objects.get()
    assert page.title == "文章a-1" and page.workflow_in_progress

    out, err, error = run(export(edited))

    assert error is None, err
    assert out.strip().splitlines()[-1] == "created 0, updated 1, unchanged 0, failed 0"
    page = ArticlePage.objects.get()
    assert (page.title, page.summary) == ("文章a-1（修订）", "新摘要")
    assert page.live and not page.has_unpublished_changes
    assert not page.workflow_in_progress
    assert page.review_record["reviewer"] == "科普中国（导入）"

    out, err, error = run(export(edited))
    assert out.strip().splitlines()[-1] == "created 0, updated 0, unchanged 1, failed 0"
    out, err, error = run(export(edited), "--draft")
    assert out.strip().splitlines()[-1] == "created 0, updated 0, unchanged 1, failed 0"


def test_screens_are_told_of_an_import_once_per_batch_not_once_per_saved_row(
    export, monkeypatch, django_capture_on_commit_callbacks
):
    from screens.provisioning import provision
    from screens.signals import manifest_changed

    provision("中山路广场屏", "150105", "square")
    monkeypatch.setattr("content.importer.BATCH_SECONDS", 3600)  # one batch however slow
    told = []

    def listener(sender, screen_ids=None, **kwargs):
        told.append(screen_ids)

    manifest_changed.connect(listener, dispatch_uid="test_import_told")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            out, err, error = run(export(article("a-1"), video(), emergency()))
    finally:
        manifest_changed.disconnect(dispatch_uid="test_import_told")

    assert error is None, err
    assert out.strip().splitlines()[-1] == "created 3, updated 0, unchanged 0, failed 0"
    assert len(told) == 1
