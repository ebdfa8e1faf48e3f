"""Benchmark of the best-raid-time finder (`scheduling.besttime.find_best_slots`).

Run from the project directory:

    .venv/bin/python bench/best_slot.py [--players 1000] [--days 7] [--runs 15] [--seed 1]

It builds a random roster in memory (players spread over ten zones, ranks weighted 0/1/3/5,
three to seven windows a week each, 1 to 16 hours) and times the finder for a week from a Monday
in a DST-change week (US spring forward), with the defaults (2-hour raids on a 30-minute grid,
top 5). It prints the minimum, median and maximum of the runs. The target is under 200 ms for
1,000 players over a week; this script prints the figure and asserts nothing. Loading the roster
from PostgreSQL (two queries, `scheduling.selectors.roster_for_scoring`) is not included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduling.besttime import RosterEntry, Window, find_best_slots, weighted_heatmap
from scheduling.heatmap import render_heatmap_png

ZONES = [
    "America/Chicago",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Helsinki",
    "Australia/Sydney",
    "Asia/Kathmandu",
    "Pacific/Auckland",
]


def random_roster(players: int, rng: random.Random) -> list[RosterEntry]:
    roster = []
    for pid in range(1, players + 1):
        days = rng.sample(range(7), rng.randint(3, 7))
        windows = tuple(
            Window(day, dt.time(rng.randint(0, 23), rng.choice([0, 15, 30, 45])), rng.randint(10, 160) / 10)
            for day in days
        )
        roster.append(
            RosterEntry(pid, f"player {pid}", rng.choice([0, 1, 1, 1, 3, 3, 5]), ZoneInfo(rng.choice(ZONES)), windows)
        )
    return roster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    roster = random_roster(args.players, rng)
    start = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=args.days)
    timings = []
    best = None
    for _ in range(args.runs):
        began = time.perf_counter()
        best = find_best_slots(roster, range_start=start, range_end=end)
        timings.append((time.perf_counter() - began) * 1000)
    print(f"best_slot: {args.players} players, {args.days} days, 2 h raids on a 30 min grid, top 5")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(
        f"time per call: min {min(timings):.1f} ms, median {statistics.median(timings):.1f} ms, "
        f"max {max(timings):.1f} ms over {args.runs} runs (target: under 200 ms)"
    )
    heat_timings = []
    for _ in range(args.runs):
        began = time.perf_counter()
        heatmap = weighted_heatmap(
            roster, date_from=start.date(), days=args.days, zone=ZoneInfo("UTC"), grid=dt.timedelta(minutes=30)
        )
        heat_timings.append((time.perf_counter() - began) * 1000)
    print(f"heatmap (the /raidtime picture's data): median {statistics.median(heat_timings):.1f} ms")
    png_timings = []
    for _ in range(args.runs):
        began = time.perf_counter()
        render_heatmap_png(heatmap, slots=best)
        png_timings.append((time.perf_counter() - began) * 1000)
    print(f"heatmap PNG (Pillow): median {statistics.median(png_timings):.1f} ms")
    top = best[0]
    print(f"best slot: {top.start:%a %Y-%m-%d %H:%M} UTC, score {top.score}, {top.head_count} players")


if __name__ == "__main__":
    main()
