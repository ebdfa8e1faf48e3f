"""Benchmark of the ticket statistics (`support.services.stats.compute_stats`) and their chart
(`support.charts.render_stats_chart_png`), in memory.

Run from the project directory:

    .venv/bin/python bench/ticket_stats.py [--tickets 10000] [--days 365] [--runs 7] [--seed 1]

It builds random tickets opened over the last `--days` days (four in five closed, after 10 minutes
to 10 days; two in three answered and claimed, half of the closed ones rated) and times, for each
scope (7d, 30d, all), the computation from the rows and the chart, printing the minimum, median and
maximum of the runs. The target is under 500 ms for the computation and the chart of "all" over
10,000 tickets (the figures of one /ticket_stats answer, besides reading the rows: one query,
`support.services.stats.ticket_rows`, not included). This script prints the figures and asserts
nothing.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"

import django

django.setup()

from bench.figures import Figure, report  # noqa: E402
from support.charts import render_stats_chart_png  # noqa: E402
from support.services.stats import TicketRow, compute_stats  # noqa: E402

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
TOPICS = ["Login", "Billing", "Crash", "Lost items", "Ban appeal", "Bug report", "Other"]
STAFF = list(range(900_000_000_000_000_001, 900_000_000_000_000_013))
TARGET_MS = 500


def random_rows(tickets: int, days: int, rng: random.Random) -> list[TicketRow]:
    rows = []
    for _ in range(tickets):
        opened = NOW - dt.timedelta(seconds=rng.uniform(0, days * 86400))
        closed = opened + dt.timedelta(seconds=rng.uniform(600, 10 * 86400)) if rng.random() < 0.8 else None
        if closed is not None and closed > NOW:
            closed = None
        answered = rng.random() < 2 / 3
        rows.append(
            TicketRow(
                status="closed" if closed else rng.choice(["open", "claimed", "waiting_for_user"]),
                topic=rng.choice(TOPICS),
                opened_at=opened,
                closed_at=closed,
                first_response_at=opened + dt.timedelta(seconds=rng.uniform(30, 7200)) if answered else None,
                claimed_by=rng.choice(STAFF) if answered else None,
                claimed_at=opened + dt.timedelta(hours=1) if answered else None,
                closed_by=rng.choice([*STAFF, None]) if closed else None,
                rating=rng.randint(1, 5) if closed and rng.random() < 0.5 else None,
            )
        )
    return rows


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def spread(times: list[float]) -> str:
    return f"{min(times):.1f} / {statistics.median(times):.1f} / {max(times):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="5 runs (for run_all.py); the same tickets and target")
    args = parser.parse_args()
    if args.quick:
        args.runs = 5
    rows = random_rows(args.tickets, args.days, random.Random(args.seed))
    print(f"{args.tickets} tickets over {args.days} days, {args.runs} runs (min / median / max)")
    figures = []
    for scope in ("7d", "30d", "all"):
        stats = compute_stats(rows, guild_id=1, scope=scope, now=NOW)
        compute = timed(lambda scope=scope: compute_stats(rows, guild_id=1, scope=scope, now=NOW), args.runs)
        chart = timed(lambda stats=stats: render_stats_chart_png(stats), args.runs)
        both = statistics.median(compute) + statistics.median(chart)
        figures.append(Figure(f"{scope}: compute", spread(compute)))
        figures.append(Figure(f"{scope}: chart ({len(stats.series)} {stats.bin}s)", spread(chart)))
        if scope == "all":
            figures.append(
                Figure(
                    f"all: compute + chart, medians, {args.tickets} tickets",
                    f"{both:.1f} ms",
                    target=f"< {TARGET_MS} ms",
                    passed=both < TARGET_MS,
                )
            )
    report("ticket_stats", figures)


if __name__ == "__main__":
    main()
