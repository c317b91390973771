"""Regenerate the demo media (covers, comic panels, video clips, captions) from demo.jsonl.

Developer tool: it is NOT run at install time; its output under media/ is committed.
Needs ``av`` (PyAV; its wheels bundle libx264), declared as the ``demo-media`` extra in
pyproject.toml, beside the project's own ``pillow``:

    .venv/bin/python -m pip install ".[demo-media]"
    .venv/bin/python content/demo/make_media.py [path/to/demo.jsonl]

Titles, panel text, transcripts and durations are read from the JSONL, so edit that file and
run this script again. Output is deterministic for a given font and library versions. A CJK
font is looked up in the system font folders (fonts-wqy-microhei or fonts-noto-cjk); without
one the pictures carry Latin text only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger("make_media")

COVER_SIZE = (640, 360)
PANEL_SIZE = (480, 360)
VIDEO_SIZE = (320, 180)
VIDEO_FPS = 10
JPEG_QUALITY = 70

FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts"]
FONT_NAMES = [
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansSC-Regular.otf",
    "SourceHanSansSC-Regular.otf",
    "DroidSansFallbackFull.ttf",
]

TYPE_COLOURS = {
    "article": (38, 92, 160),
    "video": (102, 58, 150),
    "comic": (222, 120, 40),
    "emergency": (190, 40, 40),
}
HAZARD_COLOURS = {
    "earthquake": (120, 80, 50),
    "flood": (30, 100, 170),
    "sandstorm": (196, 150, 60),
    "blizzard": (90, 140, 190),
    "cold_wave": (40, 120, 180),
    "heatwave": (215, 85, 30),
    "thunderstorm": (70, 60, 130),
    "wildfire": (200, 50, 30),
    "gas": (90, 100, 110),
    "epidemic": (30, 140, 120),
    "food_safety": (110, 150, 50),
    "other": (150, 40, 60),
}
TYPE_LABELS = {
    "article": "科普文章",
    "video": "科普视频",
    "comic": "科普漫画",
    "emergency": "应急科普",
}
HAZARD_LABELS = {
    "earthquake": "地震",
    "flood": "洪涝",
    "sandstorm": "沙尘暴",
    "blizzard": "暴雪",
    "cold_wave": "寒潮",
    "heatwave": "高温",
    "thunderstorm": "雷电",
    "wildfire": "森林草原火灾",
    "gas": "燃气与一氧化碳",
    "epidemic": "传染病",
    "food_safety": "食品安全",
    "other": "其他",
}
PHASE_LABELS = {"before": "预防", "during": "应对", "after": "恢复"}
SITE_NAME = "科普青城"
SITE_NAME_LATIN = "Kepu Qingcheng"

# Characters that must not start a line when wrapping Chinese text.
NO_LINE_START = set("，。、；：？！）》」』”’…—%,.;:?!)")
TOKEN_RE = re.compile(r"[A-Za-z0-9.%/+\-]+|\s|.", re.DOTALL)
SENTENCE_RE = re.compile(r"[^。！？]+[。！？]?")
SPEAKER_RE = re.compile(r"^(?P<name>[^：:]{1,8})[：:](?P<line>.+)$", re.DOTALL)


# --------------------------------------------------------------------------- helpers


def unit_values(key: str, count: int) -> list[float]:
    """Deterministic pseudo-random numbers in [0, 1) derived from a string key."""
    values: list[float] = []
    block = 0
    while len(values) < count:
        digest = hashlib.sha256(f"{key}:{block}".encode()).digest()
        values.extend(int.from_bytes(digest[i : i + 4], "big") / 2**32 for i in range(0, 32, 4))
        block += 1
    return values[:count]


def mix(colour: tuple[int, int, int], other: tuple[int, int, int], t: float) -> tuple[int, ...]:
    return tuple(round(a + (b - a) * t) for a, b in zip(colour, other, strict=True))


WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
INK = (40, 40, 48)


def find_cjk_font() -> Path | None:
    """Return a font file that can draw Chinese, or None."""
    for folder in FONT_DIRS:
        if not folder.is_dir():
            continue
        for name in FONT_NAMES:
            found = sorted(folder.rglob(name))
            if found:
                return found[0]
    return None


class Fonts:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.cjk = path is not None

    @lru_cache(maxsize=64)  # noqa: B019 - one Fonts object lives for the whole run
    def get(self, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if self.path is not None:
            return ImageFont.truetype(str(self.path), size)
        return ImageFont.load_default(size=size)

    def text(self, chinese: str, latin: str) -> str:
        return chinese if self.cjk else latin


def wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Wrap mixed Chinese/Latin text to a pixel width (Latin runs are kept whole)."""
    lines: list[str] = []
    current = ""
    for token in TOKEN_RE.findall(text.replace("\n", " ")):
        if not current and token.isspace():
            continue
        candidate = current + token
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
            continue
        if token[0] in NO_LINE_START and len(current) > 1:
            lines.append(current[:-1])
            current = current[-1] + token
        else:
            lines.append(current.rstrip())
            current = token.lstrip()
    if current.strip():
        lines.append(current.rstrip())
    return lines


def fit_text(
    draw: ImageDraw.ImageDraw,
    fonts: Fonts,
    text: str,
    width: int,
    sizes: tuple[int, ...],
    max_lines: int,
) -> tuple[object, list[str]]:
    """Largest font size from ``sizes`` whose wrapped text fits in ``max_lines``."""
    for size in sizes:
        font = fonts.get(size)
        lines = wrap(draw, text, font, width)
        if len(lines) <= max_lines:
            return font, lines
    font = fonts.get(sizes[-1])
    lines = wrap(draw, text, font, width)[:max_lines]
    lines[-1] = lines[-1][:-1] + "…"
    return font, lines


def line_height(font) -> int:
    left, top, right, bottom = font.getbbox("国Ag")
    return int((bottom - top) * 1.35) + 1


def draw_lines(draw, xy, lines, font, fill, shadow=None) -> int:
    x, y = xy
    step = line_height(font)
    for line in lines:
        if shadow is not None:
            draw.text((x + 2, y + 2), line, font=font, fill=shadow)
        draw.text((x, y), line, font=font, fill=fill)
        y += step
    return y


def base_colour(record: dict) -> tuple[int, int, int]:
    if record["type"] == "emergency":
        return HAZARD_COLOURS.get(record.get("hazard", "other"), HAZARD_COLOURS["other"])
    return TYPE_COLOURS[record["type"]]


def badge_text(record: dict, fonts: Fonts) -> str:
    label = fonts.text(TYPE_LABELS[record["type"]], record["type"].upper())
    if record["type"] == "emergency":
        hazard, phase = record["hazard"], record["phase"]
        label += fonts.text(
            f" · {HAZARD_LABELS[hazard]} · {PHASE_LABELS[phase]}", f" / {hazard} / {phase}"
        )
    return label


# --------------------------------------------------------------------------- covers


def draw_cover(record: dict, fonts: Fonts) -> Image.Image:
    width, height = COVER_SIZE
    colour = base_colour(record)
    image = Image.new("RGB", COVER_SIZE, colour)
    overlay = Image.new("RGBA", COVER_SIZE, (0, 0, 0, 0))
    shapes = ImageDraw.Draw(overlay)
    # Soft vertical gradient.
    dark = mix(colour, BLACK, 0.35)
    for y in range(height):
        shapes.line([(0, y), (width, y)], fill=(*dark, round(160 * y / height)))
    # Seeded circles and tilted bars.
    values = unit_values(record["external_id"], 24)
    for i in range(5):
        cx, cy, r = values[i * 3] * width, values[i * 3 + 1] * height, 30 + values[i * 3 + 2] * 110
        shapes.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(*mix(colour, WHITE, 0.45), 55))
    for i in range(3):
        x0 = values[15 + i] * width
        shapes.polygon(
            [(x0, height), (x0 + 60, height), (x0 + 160, 0), (x0 + 100, 0)],
            fill=(*mix(colour, WHITE, 0.25), 40),
        )
    if record["type"] == "emergency":
        # Warning triangle in the top-right corner.
        shapes.polygon([(560, 40), (610, 125), (510, 125)], fill=(255, 214, 0, 235))
        shapes.rectangle([555, 65, 565, 100], fill=(*INK, 255))
        shapes.rectangle([555, 107, 565, 117], fill=(*INK, 255))
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")

    draw = ImageDraw.Draw(image)
    badge_font = fonts.get(20)
    badge = badge_text(record, fonts)
    badge_width = int(draw.textlength(badge, font=badge_font))
    draw.rounded_rectangle([32, 30, 32 + badge_width + 28, 66], radius=18, fill=WHITE)
    draw.text((46, 36), badge, font=badge_font, fill=colour)

    title = fonts.text(record["title"], record["external_id"])
    title_font, lines = fit_text(draw, fonts, title, width - 100, (44, 40, 36, 32, 28), 3)
    block = line_height(title_font) * len(lines)
    draw_lines(
        draw, (40, 190 - block // 2), lines, title_font, WHITE, shadow=mix(colour, BLACK, 0.6)
    )

    footer_font = fonts.get(18)
    footer = (
        fonts.text(f"{SITE_NAME} · 呼和浩特", SITE_NAME_LATIN) + "  " + record["published_at"][:10]
    )
    draw.line([(40, height - 58), (width - 40, height - 58)], fill=mix(colour, WHITE, 0.6), width=2)
    draw.text((40, height - 46), footer, font=footer_font, fill=WHITE)
    return image


# --------------------------------------------------------------------------- comics


def split_dialogue(text: str) -> list[tuple[str, str]]:
    """Split panel text into (speaker, line) pairs; lines without a speaker get ''."""
    pairs = []
    for chunk in text.split("\n"):
        chunk = chunk.strip()
        if not chunk:
            continue
        match = SPEAKER_RE.match(chunk)
        pairs.append((match["name"], match["line"]) if match else ("", chunk))
    return pairs


SHIRTS = [(60, 120, 200), (200, 80, 90), (70, 150, 90), (150, 90, 180), (230, 160, 40)]
LISTENER_SHIRT = (150, 150, 160)
OLD_MARKERS = ("奶奶", "爷爷", "大爷", "大叔", "老")


def comic_cast(record: dict) -> list[str]:
    """Speakers of a comic in order of first appearance (each keeps one look throughout)."""
    cast: list[str] = []
    for panel in record.get("panels", []):
        for name, _ in split_dialogue(panel["text"]):
            if name and name not in cast:
                cast.append(name)
    return cast


def draw_figure(draw, x: int, ground: int, shirt, grey_hair: bool, waving: bool) -> tuple[int, int]:
    """A simple figure standing on ``ground``; returns the top of its head."""
    head, body, leg = 22, 60, 48
    hip_y = ground - leg
    neck_y = hip_y - body
    hx, hy = x, neck_y - head
    draw.line([(x, hip_y), (x - 18, ground)], fill=INK, width=5)
    draw.line([(x, hip_y), (x + 18, ground)], fill=INK, width=5)
    draw.rounded_rectangle([x - 20, neck_y, x + 20, hip_y], radius=8, fill=shirt)
    arm_y = neck_y + 12
    draw.line([(x - 20, arm_y), (x - 36, arm_y + 38)], fill=INK, width=5)
    hand = (x + 40, arm_y - 30) if waving else (x + 36, arm_y + 38)
    draw.line([(x + 20, arm_y), hand], fill=INK, width=5)
    draw.ellipse(
        [hx - head, hy - head, hx + head, hy + head], fill=(250, 222, 190), outline=INK, width=3
    )
    hair = (200, 200, 205) if grey_hair else (50, 40, 35)
    draw.chord(
        [hx - head, hy - head, hx + head, hy + head], 180, 360, fill=hair, outline=INK, width=3
    )
    draw.ellipse([hx - 9, hy + 2, hx - 4, hy + 8], fill=INK)
    draw.ellipse([hx + 4, hy + 2, hx + 9, hy + 8], fill=INK)
    draw.arc([hx - 8, hy + 6, hx + 8, hy + 16], 20, 160, fill=INK, width=2)
    return hx, hy - head


def draw_panel(record: dict, index: int, panel: dict, fonts: Fonts) -> Image.Image:
    width, height = PANEL_SIZE
    values = unit_values(f"{record['external_id']}-{index}", 8)
    sky = mix(TYPE_COLOURS["comic"], WHITE, 0.78 + values[0] * 0.12)
    image = Image.new("RGB", PANEL_SIZE, sky)
    draw = ImageDraw.Draw(image)
    ground = height - 40
    draw.rectangle([0, ground, width, height], fill=mix((120, 170, 90), WHITE, values[1] * 0.3))

    # Caption strip describing the scene (the alt text), as in a picture-book panel.
    caption_font, caption = fit_text(
        draw,
        fonts,
        fonts.text(panel["alt"], f"{record['external_id']} #{index}"),
        width - 60,
        (15, 14),
        2,
    )
    strip_bottom = 12 + line_height(caption_font) * len(caption) + 8
    draw.rectangle([0, 0, width, strip_bottom], fill=(255, 248, 225))
    draw_lines(draw, (46, 12), caption, caption_font, INK)
    draw.ellipse([10, 10, 36, 36], fill=TYPE_COLOURS["comic"])
    draw.text((23, 23), str(index), font=fonts.get(16), fill=WHITE, anchor="mm")

    # Two figures: the speaker(s) of this panel, each in the slot and colours it keeps
    # through the whole comic, and otherwise a listener.
    pairs = split_dialogue(panel["text"]) or [("", panel["text"])]
    cast = comic_cast(record)
    slots: list[str | None] = [None, None]
    placement: list[int] = []
    for order, (name, _) in enumerate(pairs[:2]):
        wanted = cast.index(name) % 2 if name in cast else order
        slot = wanted if slots[wanted] is None else 1 - wanted
        slots[slot] = name
        placement.append(slot)
    speaker_x = [round(width * 0.22), round(width * 0.78)]
    heads: dict[int, tuple[int, int]] = {}
    name_font = fonts.get(16)
    for slot, name in enumerate(slots):
        if name is None:
            draw_figure(draw, speaker_x[slot], ground, LISTENER_SHIRT, False, waving=False)
            continue
        shirt = SHIRTS[cast.index(name) % len(SHIRTS)] if name in cast else SHIRTS[slot]
        grey = any(marker in name for marker in OLD_MARKERS)
        heads[slot] = draw_figure(draw, speaker_x[slot], ground, shirt, grey, waving=True)
        if name and fonts.cjk:
            draw.text((speaker_x[slot], ground + 20), name, font=name_font, fill=INK, anchor="mm")

    # Speech bubbles above the figures.
    bubble_top = strip_bottom + 12
    bubble_width = width - 60 if len(pairs) == 1 else (width - 50) // 2
    for order, (_, line) in enumerate(pairs[:2]):
        slot = placement[order]
        text = fonts.text(line, f"Panel {index}")
        font, lines = fit_text(draw, fonts, text, bubble_width - 28, (20, 18, 16, 14), 4)
        box_h = line_height(font) * len(lines) + 20
        left = 30 if len(pairs) == 1 else 20 + slot * (bubble_width + 10)
        box = [left, bubble_top, left + bubble_width, bubble_top + box_h]
        hx, hy = heads[slot]
        tail_x = min(max(hx, box[0] + 30), box[2] - 30)
        draw.polygon(
            [(tail_x - 12, box[3] - 2), (tail_x + 12, box[3] - 2), (hx, hy - 6)], fill=WHITE
        )
        draw.line([(tail_x - 12, box[3]), (hx, hy - 6), (tail_x + 12, box[3])], fill=INK, width=2)
        draw.rounded_rectangle(box, radius=16, fill=WHITE, outline=INK, width=2)
        draw_lines(draw, (left + 14, bubble_top + 10), lines, font, INK)
    draw.rectangle([0, 0, width - 1, height - 1], outline=INK, width=4)
    return image


# --------------------------------------------------------------------------- videos


def caption_cues(transcript: str, duration: float) -> list[tuple[float, float, str]]:
    """Spread the transcript's sentences over the clip, in proportion to their length."""
    sentences = [s.strip() for s in SENTENCE_RE.findall(transcript) if s.strip()]
    total = sum(len(s) for s in sentences)
    cues = []
    start = 0.0
    for i, sentence in enumerate(sentences):
        end = duration if i == len(sentences) - 1 else start + duration * len(sentence) / total
        cues.append((start, end, sentence))
        start = end
    return cues


def vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def write_vtt(path: Path, transcript: str, duration: float) -> None:
    lines = ["WEBVTT", ""]
    for number, (start, end, text) in enumerate(caption_cues(transcript, duration), 1):
        lines += [str(number), f"{vtt_time(start)} --> {vtt_time(end)}", text, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def video_background(record: dict, fonts: Fonts) -> Image.Image:
    width, height = VIDEO_SIZE
    colour = base_colour(record)
    image = Image.new("RGB", VIDEO_SIZE, mix(colour, BLACK, 0.25))
    draw = ImageDraw.Draw(image)
    for i, v in enumerate(unit_values(record["external_id"] + "-video", 4)):
        r = 20 + v * 40
        cx = (i + 0.5) * width / 4
        draw.ellipse(
            [cx - r, height - 70 - r, cx + r, height - 70 + r], fill=mix(colour, WHITE, 0.2)
        )
    title = fonts.text(record["title"], record["external_id"])
    font, lines = fit_text(draw, fonts, title, width - 32, (20, 18, 16), 2)
    draw_lines(draw, (16, 14), lines, font, WHITE, shadow=mix(colour, BLACK, 0.6))
    draw.text(
        (16, height - 24), fonts.text(SITE_NAME, SITE_NAME_LATIN), font=fonts.get(12), fill=WHITE
    )
    return image


def video_frame(background: Image.Image, colour, number: int, total: int) -> Image.Image:
    width, height = VIDEO_SIZE
    frame = background.copy()
    draw = ImageDraw.Draw(frame)
    t = number / max(total - 1, 1)
    # A "sun" crossing the sky and a progress bar: enough motion to be a real clip.
    x = 30 + t * (width - 60)
    y = 110 - 40 * (1 - (2 * t - 1) ** 2)
    draw.ellipse([x - 12, y - 12, x + 12, y + 12], fill=(255, 214, 80))
    draw.rectangle([0, height - 6, width, height], fill=mix(colour, BLACK, 0.5))
    draw.rectangle([0, height - 6, round(width * (number + 1) / total), height], fill=WHITE)
    return frame


def write_video(path: Path, record: dict, fonts: Fonts) -> float:
    seconds = int(record["duration"])
    total = seconds * VIDEO_FPS
    background = video_background(record, fonts)
    colour = base_colour(record)
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=VIDEO_FPS)
        stream.width, stream.height = VIDEO_SIZE
        stream.pix_fmt = "yuv420p"
        stream.codec_context.thread_count = 1
        stream.options = {"crf": "26", "preset": "slow", "profile": "main", "tune": "animation"}
        for number in range(total):
            frame = av.VideoFrame.from_image(video_frame(background, colour, number, total))
            frame.pts = number
            frame.time_base = Fraction(1, VIDEO_FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return total / VIDEO_FPS


# --------------------------------------------------------------------------- main


def generate(jsonl: Path) -> dict[str, int]:
    fonts = Fonts(find_cjk_font())
    if fonts.cjk:
        log.info("font: %s", fonts.path)
    else:
        log.warning("no CJK font found: drawing Latin text only")
    base = jsonl.parent
    counts = {"covers": 0, "panels": 0, "videos": 0}
    for raw in jsonl.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        record = json.loads(raw)
        cover = base / record["image"]
        cover.parent.mkdir(parents=True, exist_ok=True)
        draw_cover(record, fonts).save(cover, "JPEG", quality=JPEG_QUALITY, optimize=True)
        counts["covers"] += 1
        for index, panel in enumerate(record.get("panels", []), 1):
            target = base / panel["image"]
            target.parent.mkdir(parents=True, exist_ok=True)
            image = draw_panel(record, index, panel, fonts)
            image = image.quantize(
                colors=32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
            )
            image.save(target, "PNG", optimize=True)
            counts["panels"] += 1
        if record["type"] == "video":
            clip = base / record["video"]
            clip.parent.mkdir(parents=True, exist_ok=True)
            length = write_video(clip, record, fonts)
            write_vtt(base / record["captions"], record["transcript"], length)
            counts["videos"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "jsonl",
        nargs="?",
        type=Path,
        default=Path(__file__).with_name("demo.jsonl"),
        help="import file whose media to regenerate (default: demo.jsonl beside this script)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    counts = generate(args.jsonl)
    log.info("wrote %(covers)d covers, %(panels)d comic panels, %(videos)d videos", counts)


if __name__ == "__main__":
    main()
