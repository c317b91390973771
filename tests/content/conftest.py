"""Fixtures shared by the importer's tests."""

import json

import pytest

from tests.content.factories import png_bytes

VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n沙尘来了\n"


@pytest.fixture
def export(tmp_path, site_tree):
    """A folder with the media files the lines name; returns a writer for the JSONL."""
    (tmp_path / "images").mkdir()
    (tmp_path / "media").mkdir()
    (tmp_path / "comics").mkdir()
    (tmp_path / "images" / "cover.png").write_bytes(png_bytes(colour=(200, 10, 10)))
    (tmp_path / "images" / "other.png").write_bytes(png_bytes(colour=(10, 200, 10)))
    for n, colour in enumerate([(1, 2, 3), (4, 5, 6), (7, 8, 9)], 1):
        (tmp_path / "comics" / f"p{n}.png").write_bytes(png_bytes(colour=colour))
    (tmp_path / "media" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42fake-video")
    (tmp_path / "media" / "clip.vtt").write_text(VTT, encoding="utf-8")

    def write(*lines, name="export.jsonl"):
        path = tmp_path / name
        text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
        path.write_text(text + "\n", encoding="utf-8")
        return path

    return write
