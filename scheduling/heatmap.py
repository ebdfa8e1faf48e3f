"""The `/raidtime` picture: a weighted-availability heatmap drawn with Pillow, sized for a phone.

Rows are local days (weekday and date), columns the local wall clock from 00:00 to 24:00 in grid
cells under hour labels. A cell's colour is its score (the rank weights of the players free for
the whole cell) on a scale shown in the legend; the best starts are outlined and numbered as in
the text answer. On a DST day every cell sits under its own wall time (`Heatmap` reads cells
through the time layer): the skipped hour is hatched, a repeated hour shows its first
occurrence, and the row label says the day is 23 or 25 hours long. Cells that have passed are
dimmed. With nothing to show (every score 0) the picture is the sentence saying so.

The font is the scalable one shipped inside Pillow (`ImageFont.load_default(size=…)`, Pillow
≥ 10.1), so the picture is the same on any machine with the requirements installed.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from scheduling.besttime import Heatmap, Slot

WIDTH = 1120
MARGIN = 24
LABEL_W = 176  # the day labels' column
HEADER_H = 112  # title and subtitle
HOURS_H = 36  # hour labels above the grid
ROW_H = 54
ROW_GAP = 4
LEGEND_H = 150
EMPTY_H = 260
HOUR_LABEL_EVERY = 2

BACKGROUND = (30, 31, 34)
INK = (242, 243, 245)
MUTED = (181, 186, 193)
RULE = (78, 80, 88)
ZERO = (56, 58, 64)  # nobody who counts
SKIPPED_INK = (96, 98, 106)  # hatching of wall times the clocks skip
OUTLINE = (255, 255, 255)
BADGE_INK = (17, 18, 20)
DST_NOTE = (250, 166, 26)
# Viridis, sampled: dark violet (a little weight) to yellow (the peak); readable by most colour-blind eyes.
SCALE = [(72, 35, 116), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
PASSED_DIM = 0.35

TITLE = "Raid availability · {zone}"
SUBTITLE = "{first} to {last} · {length} raids · score per half hour"
SCORE_CAPTION = "Score: rank weights of the players free for the whole half hour"
NOTHING_TITLE = "Nobody who counts is available"
NOTHING_TEXT = (
    "No player with a rank weight above 0 has availability from {first} to {last} ({zone}). "
    "Ask the raiders to set theirs with /availability set, or give their ranks a weight."
)


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def colour(value: int, peak: int) -> tuple[int, int, int]:
    """The scale's colour of a score (ZERO for 0)."""
    if value <= 0 or peak <= 0:
        return ZERO
    position = min(value / peak, 1.0) * (len(SCALE) - 1)
    low = min(int(position), len(SCALE) - 2)
    share = position - low
    return tuple(round(a + (b - a) * share) for a, b in zip(SCALE[low], SCALE[low + 1], strict=True))


def _dim(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(round(bg + (c - bg) * PASSED_DIM) for c, bg in zip(rgb, BACKGROUND, strict=True))


def _day_label(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _range_text(heatmap: Heatmap) -> tuple[str, str]:
    first, last = heatmap.days[0], heatmap.days[-1]
    return _day_label(first), f"{_day_label(last)} {last.year}"


def _length_text(length: dt.timedelta) -> str:
    return f"{length.total_seconds() / 3600:g} h"


def _ticks(peak: int) -> list[int]:
    """At most six round numbers from 0 to the peak, the peak included."""
    if peak <= 5:
        return list(range(peak + 1))
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 10**9) if peak / s <= 5)
    ticks = list(range(0, peak + 1, step))
    if peak - ticks[-1] < step / 2:
        ticks[-1] = peak
    else:
        ticks.append(peak)
    return ticks


class _Layout:
    def __init__(self, heatmap: Heatmap) -> None:
        self.columns = max((len(row) for row in heatmap.rows), default=0)
        self.grid_left = MARGIN + LABEL_W
        self.cell_w = (WIDTH - MARGIN - self.grid_left) // max(self.columns, 1)
        self.grid_right = self.grid_left + self.columns * self.cell_w
        self.grid_top = HEADER_H + HOURS_H
        self.grid_bottom = self.grid_top + len(heatmap.rows) * (ROW_H + ROW_GAP)
        self.height = self.grid_bottom + LEGEND_H
        self.per_hour = round(dt.timedelta(hours=1) / heatmap.grid)

    def cell(self, row: int, column: int) -> tuple[int, int, int, int]:
        left = self.grid_left + column * self.cell_w
        top = self.grid_top + row * (ROW_H + ROW_GAP)
        return left, top, left + self.cell_w - 1, top + ROW_H - 1


def slot_cells(heatmap: Heatmap, slot: Slot) -> list[tuple[int, list[int]]]:
    """The cells a slot covers (those whose start lies in [start, end)), as (row, columns) runs
    of neighbouring columns, in order."""
    runs: list[tuple[int, list[int]]] = []
    for row, instants in enumerate(heatmap.instants):
        for column, instant in enumerate(instants):
            if instant is None or not slot.start <= instant < slot.end:
                continue
            if runs and runs[-1][0] == row and runs[-1][1][-1] == column - 1:
                runs[-1][1].append(column)
            else:
                runs.append((row, [column]))
    return runs


def _hatch(image: Image.Image, box: tuple[int, int, int, int], ink: tuple[int, int, int]) -> None:
    """Diagonal stripes inside `box` (drawn on a patch, so none run past its sides)."""
    left, top, right, bottom = box
    width, height = right - left + 1, bottom - top + 1
    patch = Image.new("RGB", (width, height), BACKGROUND)
    pen = ImageDraw.Draw(patch)
    for offset in range(-height, width, 8):
        pen.line([(offset, height), (offset + height, 0)], fill=ink, width=2)
    image.paste(patch, (left, top))


def _header(draw: ImageDraw.ImageDraw, heatmap: Heatmap, length: dt.timedelta) -> None:
    first, last = _range_text(heatmap)
    draw.text((MARGIN, 18), TITLE.format(zone=heatmap.zone.key), font=font(38), fill=INK)
    subtitle = SUBTITLE.format(first=first, last=last, length=_length_text(length))
    draw.text((MARGIN, 68), subtitle, font=font(24), fill=MUTED)


def _hour_labels(draw: ImageDraw.ImageDraw, layout: _Layout) -> None:
    for hour in range(25):
        x = layout.grid_left + hour * layout.per_hour * layout.cell_w
        major = hour % 6 == 0
        draw.line(
            [(x - 1, layout.grid_top - 6), (x - 1, layout.grid_bottom - ROW_GAP)],
            fill=MUTED if major else RULE,
            width=2 if major else 1,
        )
        if hour % HOUR_LABEL_EVERY == 0 and hour < 24:
            draw.text((x, layout.grid_top - 10), f"{hour:02d}", font=font(28), fill=INK, anchor="mb")


def _rows(draw: ImageDraw.ImageDraw, image: Image.Image, heatmap: Heatmap, layout: _Layout) -> None:
    peak = heatmap.peak
    for row, (day, values) in enumerate(zip(heatmap.days, heatmap.rows, strict=True)):
        top = layout.grid_top + row * (ROW_H + ROW_GAP)
        hours = heatmap.day_hours[row]
        if hours == 24:
            draw.text((MARGIN, top + ROW_H // 2), _day_label(day), font=font(29), fill=INK, anchor="lm")
        else:
            draw.text((MARGIN, top + 1), _day_label(day), font=font(29), fill=INK)
            draw.text((MARGIN, top + 33), f"{hours:g}-hour day", font=font(20), fill=DST_NOTE)
        for column, value in enumerate(values):
            box = layout.cell(row, column)
            if value is None:
                _hatch(image, box, SKIPPED_INK)
                continue
            fill = colour(value, peak)
            if heatmap.has_passed(heatmap.instants[row][column]):
                fill = _dim(fill)
            # Cells of one hour touch; a hair of background separates the hours.
            left, top_, right, bottom = box
            if (column + 1) % layout.per_hour == 0:
                right -= 1
            draw.rectangle([left, top_, right, bottom], fill=fill)


def _outline_slots(draw: ImageDraw.ImageDraw, heatmap: Heatmap, layout: _Layout, slots: Sequence[Slot]) -> None:
    badges = []
    for number, slot in enumerate(slots, start=1):
        runs = slot_cells(heatmap, slot)
        for row, columns in runs:
            left, top, _, _ = layout.cell(row, columns[0])
            _, _, right, bottom = layout.cell(row, columns[-1])
            draw.rectangle([left - 2, top - 2, right + 2, bottom + 2], outline=BADGE_INK, width=5)
            draw.rectangle([left - 1, top - 1, right + 1, bottom + 1], outline=OUTLINE, width=3)
        if runs:
            row, columns = runs[0]
            badges.append((number, layout.cell(row, columns[0])))
    # Badges of starts close together would cover each other: the best takes its place first,
    # the others the row's other lane or the next free place to the right.
    size_w, size_h = max(layout.cell_w + 6, 28), 25
    placed: list[tuple[int, int, int]] = []  # left, top, number
    for number, (left, top, _, _) in badges:
        lanes = [top + 1, top + ROW_H - size_h - 1]
        x = left
        while True:
            free = [y for y in lanes if all(not (abs(px - x) < size_w and py == y) for px, py, _ in placed)]
            if free:
                placed.append((x, free[0], number))
                break
            x += size_w
    for x, y, number in reversed(placed):
        draw.rounded_rectangle([x, y, x + size_w, y + size_h], radius=6, fill=OUTLINE, outline=BADGE_INK, width=2)
        draw.text((x + size_w / 2 + 1, y + size_h / 2 + 1), str(number), font=font(23), fill=BADGE_INK, anchor="mm")


def _legend(
    image: Image.Image, draw: ImageDraw.ImageDraw, heatmap: Heatmap, layout: _Layout, *, has_slots: bool
) -> None:
    peak = heatmap.peak
    top = layout.grid_bottom + 18
    bar_left, bar_w, bar_h = MARGIN + LABEL_W, 420, 26
    draw.text((MARGIN, top + bar_h // 2), "Score", font=font(27), fill=INK, anchor="lm")
    draw.rectangle([bar_left, top, bar_left + 30, top + bar_h], fill=ZERO)
    scale_left = bar_left + 36
    for x in range(bar_w):
        value_share = (x + 1) / bar_w
        draw.line([(scale_left + x, top), (scale_left + x, top + bar_h)], fill=colour(value_share * peak, peak))
    for tick in _ticks(peak):
        x = bar_left + 15 if tick == 0 else scale_left + round(tick / peak * bar_w) - 1
        draw.line([(x, top + bar_h), (x, top + bar_h + 6)], fill=INK, width=2)
        draw.text((x, top + bar_h + 8), str(tick), font=font(24), fill=INK, anchor="mt")
    draw.text((MARGIN, top + 72), SCORE_CAPTION, font=font(22), fill=MUTED)

    keys_left = scale_left + bar_w + 40
    keys = []
    if has_slots:
        keys.append(("outline", "best starts, as listed"))
    if heatmap.not_before is not None and any(heatmap.has_passed(i) for row in heatmap.instants for i in row):
        keys.append(("passed", "already passed"))
    if any(value is None for row in heatmap.rows for value in row):
        keys.append(("skipped", "skipped by the clocks"))
    for index, (kind, text) in enumerate(keys):
        y = top + index * 36
        box = (keys_left, y, keys_left + 34, y + 26)
        if kind == "outline":
            draw.rectangle(box, fill=colour(peak, peak), outline=OUTLINE, width=3)
        elif kind == "passed":
            draw.rectangle(box, fill=_dim(colour(peak, peak)))
        else:
            _hatch(image, box, SKIPPED_INK)
        draw.text((keys_left + 46, y + 13), text, font=font(23), fill=INK, anchor="lm")


def _nothing_to_show(heatmap: Heatmap) -> bytes:
    image = Image.new("RGB", (WIDTH, EMPTY_H), BACKGROUND)
    draw = ImageDraw.Draw(image)
    first, last = _range_text(heatmap)
    draw.text((MARGIN, 28), NOTHING_TITLE, font=font(40), fill=INK)
    words = NOTHING_TEXT.format(first=first, last=last, zone=heatmap.zone.key).split()
    lines, line = [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font(28)) > WIDTH - 2 * MARGIN:
            lines.append(line)
            line = word
        else:
            line = candidate
    lines.append(line)
    for index, text in enumerate(lines):
        draw.text((MARGIN, 100 + index * 40), text, font=font(28), fill=MUTED)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def render_heatmap_png(
    heatmap: Heatmap, *, slots: Sequence[Slot] = (), length: dt.timedelta = dt.timedelta(hours=2)
) -> bytes:
    """The heatmap as PNG bytes, the `slots` outlined and numbered from 1 in their order. With
    every score 0 the picture is the sentence saying nobody who counts is available."""
    if heatmap.peak == 0:
        return _nothing_to_show(heatmap)
    layout = _Layout(heatmap)
    image = Image.new("RGB", (WIDTH, layout.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _header(draw, heatmap, length)
    _rows(draw, image, heatmap, layout)
    _hour_labels(draw, layout)
    _outline_slots(draw, heatmap, layout, slots)
    _legend(image, draw, heatmap, layout, has_slots=bool(slots))
    return _png(image)
