"""The weighted-availability heatmap: cells are local wall times (aligned on DST days), scores
match the oracle, and the picture decodes, is phone-sized, hatches skipped hours, dims what has
passed, outlines the best starts and says so in words when nobody who counts is available."""

import datetime as dt
import io
import zoneinfo

from PIL import Image

from scheduling import heatmap as picture
from scheduling.besttime import find_best_slots, weighted_heatmap
from scheduling.tests.test_besttime import entry, oracle

UTC = dt.UTC
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HALF_HOUR = dt.timedelta(minutes=30)
ROSTER = [
    entry(1, 5, "Europe/Berlin", (6, (1, 0), 4.0), (0, (20, 0), 2.0)),
    entry(2, 3, "America/New_York", (6, (14, 0), 3.0)),
]


def berlin_week(**kwargs):
    # Sunday 29 March 2026 is 23 hours long in Berlin: 02:00 to 03:00 does not happen.
    return weighted_heatmap(ROSTER, date_from=dt.date(2026, 3, 23), days=7, zone=BERLIN, grid=HALF_HOUR, **kwargs)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    return image.convert("RGB")


def test_cells_are_local_wall_times_and_match_the_oracle_on_a_23_hour_day():
    heatmap = berlin_week()
    assert [len(row) for row in heatmap.rows] == [48] * 7
    sunday = heatmap.rows[6]
    assert sunday[4:6] == [None, None]  # 02:00 and 02:30 are skipped
    assert heatmap.day_hours == [24] * 6 + [23]
    for day, (values, instants) in enumerate(zip(heatmap.rows, heatmap.instants, strict=True)):
        for column, (value, instant) in enumerate(zip(values, instants, strict=True)):
            if value is None:
                assert instant is None
                continue
            # The cell under the label HH:MM starts at HH:MM local, whatever the day's length.
            local = instant.astimezone(BERLIN)
            assert (local.date(), local.hour * 60 + local.minute) == (heatmap.days[day], column * 30)
            [(_, score, _)] = oracle(ROSTER, instant.astimezone(UTC), instant + HALF_HOUR, HALF_HOUR, HALF_HOUR)
            assert value == score
    # Berlin's player: Sunday 01:00 for 4 elapsed hours, i.e. to 06:00 CEST (03:00 to 06:00 on the clock).
    assert sunday[2:4] == [5, 5] and sunday[6:12] == [5] * 6 and sunday[12] == 0
    # New York's Sunday 14:00 EDT is 20:00 CEST: the cells under 20:00 to 22:30.
    assert sunday[40:46] == [3] * 6 and sunday[46:] == [0, 0]
    assert heatmap.peak == 5


def test_a_25_hour_day_shows_the_first_of_the_repeated_hour():
    berlin_player = [entry(1, 5, "Europe/Berlin", (6, (2, 0), 1.0))]  # Sunday 02:00 CEST, one hour
    heatmap = weighted_heatmap(berlin_player, date_from=dt.date(2026, 10, 25), days=1, zone=BERLIN, grid=HALF_HOUR)
    assert heatmap.day_hours == [25] and len(heatmap.rows[0]) == 48
    assert heatmap.instants[0][4] == dt.datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 02:00 CEST
    assert heatmap.rows[0][3:7] == [0, 5, 5, 0]


def test_lord_howe_skips_half_an_hour():
    lord_howe = zoneinfo.ZoneInfo("Australia/Lord_Howe")
    heatmap = weighted_heatmap([], date_from=dt.date(2026, 10, 4), days=1, zone=lord_howe, grid=HALF_HOUR)
    assert [column for column, value in enumerate(heatmap.rows[0]) if value is None] == [4]
    assert heatmap.day_hours == [23.5]


def cell_centre(layout, row, column):
    left, top, right, bottom = layout.cell(row, column)
    return (left + right) // 2, (top + bottom) // 2


def test_the_picture_is_phone_sized_and_its_dst_day_cells_sit_under_their_hours():
    heatmap = berlin_week()
    image = decode(picture.render_heatmap_png(heatmap))
    layout = picture._Layout(heatmap)
    assert image.size == (picture.WIDTH, layout.height) and 1000 <= image.width <= 1200
    # Sunday's 03:00 cell is right of the "03" hour line, and has the score-5 colour.
    x, y = cell_centre(layout, 6, 6)
    hour_line = layout.grid_left + 3 * layout.per_hour * layout.cell_w
    assert hour_line <= x < hour_line + layout.cell_w
    assert image.getpixel((x, y)) == picture.colour(5, 5)
    # The skipped 02:00 and 02:30 are hatched, not coloured.
    left, top, right, bottom = layout.cell(6, 4)
    colours = {image.getpixel((px, py)) for px in range(left, right) for py in range(top, bottom)}
    assert picture.SKIPPED_INK in colours and picture.colour(5, 5) not in colours


def outline_pixels(image, layout, row, columns):
    left, top, _, _ = layout.cell(row, columns[0])
    _, _, right, bottom = layout.cell(row, columns[-1])
    edge = [(px, top - 1) for px in range(left, right)] + [(right + 1, py) for py in range(top + 30, bottom)]
    return sum(image.getpixel(point) == picture.OUTLINE for point in edge)


def test_the_best_starts_are_outlined_and_numbered():
    heatmap = berlin_week()
    start, end = dt.datetime(2026, 3, 23, tzinfo=BERLIN), dt.datetime(2026, 3, 30, tzinfo=BERLIN)
    slots = find_best_slots(ROSTER, range_start=start, range_end=end, length=dt.timedelta(hours=2), top=2)
    # Monday 20:00 (5) and Sunday 03:00 CEST (5) are the best.
    assert [s.start.astimezone(BERLIN).strftime("%a %H:%M") for s in slots] == ["Mon 20:00", "Sun 01:00"]
    layout = picture._Layout(heatmap)
    plain = decode(picture.render_heatmap_png(heatmap))
    marked = decode(picture.render_heatmap_png(heatmap, slots=slots))
    assert picture.slot_cells(heatmap, slots[0]) == [(0, [40, 41, 42, 43])]
    # Sunday 01:00 for two elapsed hours covers 01:00, 01:30, then (the clocks jump) 03:00, 03:30.
    assert picture.slot_cells(heatmap, slots[1]) == [(6, [2, 3]), (6, [6, 7])]
    for row, columns in [(0, [40, 41, 42, 43]), (6, [2, 3]), (6, [6, 7])]:
        assert outline_pixels(plain, layout, row, columns) == 0
        assert outline_pixels(marked, layout, row, columns) > 3 * layout.cell_w
    # A numbered badge sits on the first cell of each.
    for row, column in [(0, 40), (6, 2)]:
        left, top, _, _ = layout.cell(row, column)
        assert marked.getpixel((left + 4, top + 6)) == picture.OUTLINE


def test_cells_that_have_passed_are_dimmed():
    not_before = dt.datetime(2026, 3, 29, 12, 0, tzinfo=BERLIN)
    heatmap = berlin_week(not_before=not_before)
    image = decode(picture.render_heatmap_png(heatmap))
    layout = picture._Layout(heatmap)
    assert image.getpixel(cell_centre(layout, 6, 6)) == picture._dim(picture.colour(5, 5))  # 03:00, passed
    assert image.getpixel(cell_centre(layout, 6, 40)) == picture.colour(3, 5)  # 20:00, to come


def test_with_every_weight_zero_the_picture_says_so_in_words():
    initiates = [entry(1, 0, "Europe/Berlin", (0, (20, 0), 4.0))]
    heatmap = weighted_heatmap(initiates, date_from=dt.date(2026, 6, 1), days=7, zone=BERLIN, grid=HALF_HOUR)
    assert heatmap.peak == 0
    image = decode(picture.render_heatmap_png(heatmap))
    assert image.size == (picture.WIDTH, picture.EMPTY_H)
    # Text, not an empty grid: ink in the sentence's lines, and no cell colour anywhere.
    colours = {rgb for _, rgb in image.getcolors(maxcolors=1 << 20)}
    assert picture.ZERO not in colours and any(sum(c) > 600 for c in colours)
    assert "Nobody who counts" in picture.NOTHING_TITLE


def test_ticks_end_at_the_peak():
    assert picture._ticks(0) == [0]
    assert picture._ticks(5) == [0, 1, 2, 3, 4, 5]
    assert picture._ticks(34) == [0, 10, 20, 34]
    assert picture._ticks(41) == [0, 10, 20, 30, 41]
