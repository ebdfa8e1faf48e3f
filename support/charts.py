"""The /ticket_stats picture: tickets opened and closed per day (per week over long scopes), a
grouped bar chart drawn with Pillow and sized for a phone: large type, a legend, labelled axes,
and every day of the scope on the axis, days with nothing marked by a flat stub at zero.

The font is the scalable one shipped inside Pillow (``ImageFont.load_default(size=…)``), as the
`/raidtime` heatmap's, so the picture is the same on any machine with the requirements installed.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from support.services.stats import TicketStats

WIDTH = 1120
HEIGHT = 720
MARGIN = 28
TOP = 150  # title, subtitle and legend above the plot
AXIS_W = 88  # the y axis' labels
BOTTOM = 120  # day labels and the x axis' label below the plot
EMPTY_H = 260

BACKGROUND = (30, 31, 34)
INK = (242, 243, 245)
MUTED = (181, 186, 193)
GRID = (62, 64, 71)
OPENED = (88, 101, 242)  # Discord blurple
CLOSED = (87, 242, 135)  # green
ZERO = (118, 121, 130)

TITLES = {"7d": "last 7 days", "30d": "last 30 days", "all": "all time"}
TITLE = "Tickets opened and closed · {scope}"
SUBTITLE = "{first} to {last} · {unit} (UTC) · {opened} opened, {closed} closed"
NOTHING_TITLE = "No tickets yet"
NOTHING_TEXT = "Nobody has opened a ticket in this server so far."
FILENAME = "ticket-stats.png"


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _ticks(peak: int) -> list[int]:
    """Round numbers from 0 to at least the peak, at most six of them."""
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 10**9) if max(peak, 1) / s <= 5)
    top = -(-max(peak, 1) // step) * step
    return list(range(0, top + 1, step))


def _label_every(count: int, slot_w: float) -> int:
    """Label every n-th bin so labels (about 90 px wide) never overlap."""
    return max(1, -(-90 // max(int(slot_w), 1))) if count > 1 else 1


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _nothing() -> bytes:
    image = Image.new("RGB", (WIDTH, EMPTY_H), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, 40), NOTHING_TITLE, font=font(44), fill=INK)
    draw.text((MARGIN, 120), NOTHING_TEXT, font=font(30), fill=MUTED)
    return _png(image)


def _legend(draw: ImageDraw.ImageDraw, right: int, y: int) -> None:
    x = right
    for label, colour in reversed((("opened", OPENED), ("closed", CLOSED))):
        width = draw.textlength(label, font=font(28))
        x -= width
        draw.text((x, y), label, font=font(28), fill=INK, anchor="lm")
        x -= 44
        draw.rectangle([x, y - 14, x + 30, y + 14], fill=colour)
        x -= 36


def render_stats_chart_png(stats: TicketStats) -> bytes:
    """The chart of `stats.series` as PNG bytes; the sentence "No tickets yet" when the scope has
    no day to show (scope "all" before the first ticket)."""
    bins = stats.series
    if not bins:
        return _nothing()
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    weekly = stats.bin == "week"
    last_day = min(bins[-1].start + timedelta(days=6), stats.until.date()) if weekly else bins[-1].start
    draw.text((MARGIN, 20), TITLE.format(scope=TITLES.get(stats.scope, stats.scope)), font=font(40), fill=INK)
    subtitle = SUBTITLE.format(
        first=_day(bins[0].start),
        last=f"{_day(last_day)} {last_day.year}",
        unit="per week" if weekly else "per day",
        opened=stats.opened,
        closed=stats.closed,
    )
    draw.text((MARGIN, 72), subtitle, font=font(26), fill=MUTED)
    _legend(draw, WIDTH - MARGIN, 124)

    left, right = MARGIN + AXIS_W, WIDTH - MARGIN
    top, bottom = TOP + 10, HEIGHT - BOTTOM
    ticks = _ticks(max(max(b.opened, b.closed) for b in bins))
    scale = (bottom - top) / ticks[-1]
    for tick in ticks:
        y = bottom - round(tick * scale)
        draw.line([(left, y), (right, y)], fill=GRID if tick else MUTED, width=1 if tick else 2)
        draw.text((left - 12, y), str(tick), font=font(26), fill=INK, anchor="rm")
    draw.text((MARGIN, top - 36), "tickets", font=font(24), fill=MUTED, anchor="lm")

    slot_w = (right - left) / len(bins)
    bar_w = max(3, min(48, int(slot_w * 0.42)))
    every = _label_every(len(bins), slot_w)
    for index, item in enumerate(bins):
        centre = left + slot_w * (index + 0.5)
        for offset, value, colour in ((-bar_w, item.opened, OPENED), (0, item.closed, CLOSED)):
            x0 = round(centre + offset)
            if value:
                draw.rectangle([x0, bottom - round(value * scale), x0 + bar_w - 1, bottom - 1], fill=colour)
            else:  # a zero stays visible: a flat stub on the axis
                draw.rectangle([x0, bottom - 4, x0 + bar_w - 1, bottom - 1], fill=ZERO)
        draw.line([(round(centre), bottom), (round(centre), bottom + 8)], fill=MUTED, width=2)
        if index % every == 0:
            label = _day(item.start)
            half = draw.textlength(label, font=font(24)) / 2
            x = min(max(centre, left - AXIS_W / 2 + half), WIDTH - 6 - half)  # kept inside the picture
            draw.text((round(x), bottom + 14), label, font=font(24), fill=INK, anchor="mt")
    axis = "week starting (UTC)" if weekly else "day (UTC)"
    draw.text(((left + right) // 2, HEIGHT - 30), axis, font=font(26), fill=MUTED, anchor="mm")
    return _png(image)
