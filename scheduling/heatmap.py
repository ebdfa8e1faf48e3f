"""A PNG picture of a weighted-availability heatmap, drawn with the standard library only (zlib
for PNG compression, a 3×5 bitmap font for the labels), so no imaging package is needed.

Rows are local days (labelled with weekday and day of month), columns grid cells from local
midnight (hour marks every three hours); a cell's colour runs from dark (nobody who counts) to
bright yellow-green (the week's peak weight).
"""

from __future__ import annotations

import struct
import zlib

from scheduling.besttime import Heatmap

# 3×5 glyphs, rows top to bottom, "1" = ink.
FONT = {
    "0": ["111", "101", "101", "101", "111"],
    "1": ["010", "110", "010", "010", "111"],
    "2": ["111", "001", "111", "100", "111"],
    "3": ["111", "001", "111", "001", "111"],
    "4": ["101", "101", "111", "001", "001"],
    "5": ["111", "100", "111", "001", "111"],
    "6": ["111", "100", "111", "101", "111"],
    "7": ["111", "001", "010", "010", "010"],
    "8": ["111", "101", "111", "101", "111"],
    "9": ["111", "101", "111", "001", "111"],
    "M": ["101", "111", "111", "101", "101"],
    "O": ["111", "101", "101", "101", "111"],
    "T": ["111", "010", "010", "010", "010"],
    "U": ["101", "101", "101", "101", "111"],
    "W": ["101", "101", "111", "111", "101"],
    "E": ["111", "100", "110", "100", "111"],
    "H": ["101", "101", "111", "101", "101"],
    "F": ["111", "100", "110", "100", "100"],
    "R": ["110", "101", "110", "101", "101"],
    "S": ["111", "100", "111", "001", "111"],
    "A": ["010", "101", "111", "101", "101"],
    " ": ["000", "000", "000", "000", "000"],
}
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
SCALE = 2  # font pixels per glyph pixel
CELL_W, CELL_H = 8, 22
LEFT, TOP, PAD = 58, 20, 6
BACKGROUND = (43, 45, 49)
EMPTY = (30, 31, 34)
INK = (220, 221, 222)
LOW, HIGH = (35, 80, 60), (200, 240, 60)


def _colour(value: int, peak: int) -> tuple[int, int, int]:
    if value <= 0 or peak <= 0:
        return EMPTY
    share = value / peak
    return tuple(round(low + (high - low) * share) for low, high in zip(LOW, HIGH, strict=True))


def _text(pixels: list[bytearray], x: int, y: int, text: str) -> None:
    for char in text.upper():
        glyph = FONT.get(char, FONT[" "])
        for gy, line in enumerate(glyph):
            for gx, bit in enumerate(line):
                if bit == "1":
                    for dy in range(SCALE):
                        row = pixels[y + gy * SCALE + dy]
                        for dx in range(SCALE):
                            px = (x + gx * SCALE + dx) * 3
                            row[px : px + 3] = bytes(INK)
        x += 4 * SCALE


def _png(width: int, height: int, pixels: list[bytearray]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def render_heatmap_png(heatmap: Heatmap) -> bytes:
    """The heatmap as PNG bytes."""
    columns = max((len(row) for row in heatmap.rows), default=0)
    width = LEFT + columns * CELL_W + PAD
    height = TOP + len(heatmap.rows) * CELL_H + PAD
    pixels = [bytearray(bytes(BACKGROUND) * width) for _ in range(height)]
    per_hour = max(1, round(3600 / heatmap.grid.total_seconds()))
    for hour in range(0, 24, 3):
        column = hour * per_hour
        if column < columns:
            _text(pixels, LEFT + column * CELL_W, 4, str(hour))
    peak = heatmap.peak
    for index, (day, row) in enumerate(zip(heatmap.days, heatmap.rows, strict=True)):
        top = TOP + index * CELL_H
        _text(pixels, 4, top + 6, f"{WEEKDAYS[day.weekday()]} {day.day:02d}")
        for column, value in enumerate(row):
            colour = bytes(_colour(value, peak))
            left = LEFT + column * CELL_W
            # One pixel of background between cells and rows keeps the grid readable.
            for y in range(top + 1, top + CELL_H - 1):
                pixels[y][left * 3 : (left + CELL_W - 1) * 3] = colour * (CELL_W - 1)
    return _png(width, height, pixels)
