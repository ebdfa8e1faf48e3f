"""Benchmark of the best raid time end to end: the finder, the selector and the API request.

Run from the project directory:

    .venv/bin/python bench/best_slot.py [--players 1000] [--days 7] [--runs 15] [--seed 1] [--quick]

It builds a random roster in memory: players spread over ten zones, three to seven windows a
week each (1 to 16 hours), ranked like a guild with the five default ranks: one Guild Leader,
2 % Officers, 38 % Veterans, 45 % Members and 15 % Initiates (weights 5, 5, 3, 1, 0). Then, in
one run:

1. the finder (`scheduling.besttime.find_best_slots`) on that roster for a week from a Monday in
   a DST-change week (US spring forward), 2-hour raids on a 30-minute grid, top 5; and the
   heatmap data and PNG of `/raidtime` (for information);
2. the same roster in PostgreSQL (the `<BENCH_DB_PREFIX>_best_slot` database, prefix
   `guildhall_bench` by default; refilled and ANALYZEd at every run): the selector
   (`scheduling.selectors.roster_for_scoring`, one query, plus the finder) for the same week, and
   a check that it finds the same slots as the in-memory finder;
3. the API request `GET …/best-time/` for the week from next Monday (in process through Django's
   test client, as staff), its answer's size (counts and the missing officers per slot), and one
   page of 50 present players of the best slot (`GET …/best-time/present/`, for information).

Targets (issue 18): selector median < 40 ms, API request median < 60 ms, answer < 20 KB for the
top 5. `--quick` does 9 runs of each (15 by default). Figures go to `bench/results/best_slot-latest.json`
(`bench.figures.report`); the script asserts nothing. `--no-database` times the finder only.
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
from bench import environment

# The finder needs no settings, but importing the project loads them: point them at the bench's
# own database.
DB_NAME = environment.configure("best_slot")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from bench.figures import Figure, report  # noqa: E402
from scheduling.besttime import RosterEntry, Window, find_best_slots, weighted_heatmap  # noqa: E402
from scheduling.heatmap import render_heatmap_png  # noqa: E402
from scheduling.reference_data import DEFAULT_RANKS  # noqa: E402

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
WEIGHT_OF_LEVEL = {level: weight for level, _name, _description, weight in DEFAULT_RANKS}
# Share of each rank level among the players after the first (the Guild Leader, level 5).
LEVEL_SHARES = {1: 15, 2: 45, 3: 38, 4: 2}
WEEK_START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)  # a Monday; US clocks spring forward on the 8th
BENCH_GUILD = 990_000_000_000_000_001
TARGET_SELECTOR_MS = 40
TARGET_API_MS = 60
TARGET_ANSWER_KB = 20


def random_roster(players: int, rng: random.Random) -> list[RosterEntry]:
    roster = []
    levels, shares = list(LEVEL_SHARES), list(LEVEL_SHARES.values())
    for pid in range(1, players + 1):
        days = rng.sample(range(7), rng.randint(3, 7))
        windows = tuple(
            Window(day, dt.time(rng.randint(0, 23), rng.choice([0, 15, 30, 45])), rng.randint(10, 160) / 10)
            for day in days
        )
        level = 5 if pid == 1 else rng.choices(levels, shares)[0]
        roster.append(
            RosterEntry(
                player_id=pid,
                name=f"player {pid}",
                weight=WEIGHT_OF_LEVEL[level],
                zone=ZoneInfo(rng.choice(ZONES)),
                windows=windows,
                discord_user_id=BENCH_GUILD + pid,
                rank_level=level,
            )
        )
    return roster


def timed(function, runs: int) -> tuple[list[float], object]:
    """Milliseconds of each of `runs` calls (after one warm-up call) and the last result."""
    result = function()
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - began) * 1000)
    return timings, result


def spread(timings: list[float]) -> str:
    return f"{statistics.median(timings):.1f} ms (min {min(timings):.1f}, max {max(timings):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="9 runs of each measurement")
    parser.add_argument("--no-database", action="store_true", help="time the finder in memory only")
    args = parser.parse_args()
    if args.quick:
        args.runs = 9
    rng = random.Random(args.seed)
    roster = random_roster(args.players, rng)
    officers = sum(1 for entry in roster if entry.rank_level >= 4)
    end = WEEK_START + dt.timedelta(days=args.days)
    load_before = os.getloadavg()[0]
    print(
        f"best_slot: {args.players} players ({officers} of officer rank), {args.days} days, "
        f"2 h raids on a 30 min grid, top 5, {args.runs} runs of each"
    )
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {load_before:.2f}")

    finder, best = timed(lambda: find_best_slots(roster, range_start=WEEK_START, range_end=end), args.runs)
    heat, heatmap = timed(
        lambda: weighted_heatmap(
            roster, date_from=WEEK_START.date(), days=args.days, zone=ZoneInfo("UTC"), grid=dt.timedelta(minutes=30)
        ),
        args.runs,
    )
    png, _ = timed(lambda: render_heatmap_png(heatmap, slots=best), args.runs)
    top = best[0]
    print(f"best slot: {top.start:%a %Y-%m-%d %H:%M} UTC, score {top.score}, {top.head_count} players")
    figures = [
        Figure("roster", f"{args.players} players, {args.days} days"),
        Figure("finder (in memory), median", spread(finder)),
        Figure("heatmap data (in memory), median", spread(heat)),
        Figure("heatmap PNG, median", spread(png)),
    ]
    if not args.no_database:
        figures += measure_database(roster, best, args)
    figures.append(Figure("load average (1 min) before / after", f"{load_before:.2f} / {os.getloadavg()[0]:.2f}"))
    report("best_slot", figures)


def fill_database(roster: list[RosterEntry]) -> int:
    """The roster as the guild BENCH_GUILD, replacing any earlier one; the number of windows."""
    from django.db import connection, transaction

    from scheduling.models import GuildRank, MemberZone, Player, PlayerAvailability

    with transaction.atomic():
        Player.objects.filter(guild_id=BENCH_GUILD).delete()
        GuildRank.objects.filter(guild_id=BENCH_GUILD).delete()
        ranks = {
            level: GuildRank.objects.create(
                guild_id=BENCH_GUILD, name=name, level=level, description=description, scheduling_weight=weight
            )
            for level, name, description, weight in DEFAULT_RANKS
        }
        players = Player.objects.bulk_create(
            Player(
                guild_id=BENCH_GUILD,
                discord_user_id=entry.discord_user_id,
                display_name=entry.name,
                rank=ranks[entry.rank_level],
            )
            for entry in roster
        )
        MemberZone.objects.filter(discord_user_id__in=[entry.discord_user_id for entry in roster]).delete()
        MemberZone.objects.bulk_create(
            MemberZone(discord_user_id=entry.discord_user_id, timezone=entry.zone.key) for entry in roster
        )
        windows = PlayerAvailability.objects.bulk_create(
            PlayerAvailability(
                player=player, day_of_week=w.day_of_week, earliest_start=w.earliest_start, available_hours=w.hours
            )
            for player, entry in zip(players, roster, strict=True)
            for w in entry.windows
        )
    with connection.cursor() as cursor:
        # What autovacuum would have done by the time a real guild asks: fresh planner statistics.
        for model in (Player, PlayerAvailability, GuildRank, MemberZone):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return len(windows)


def measure_database(roster: list[RosterEntry], best, args) -> list[Figure]:
    """The same roster in PostgreSQL: the selector (load + score) and the API requests."""
    environment.ensure_database(DB_NAME)
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from scheduling import selectors

    call_command("migrate", verbosity=0)
    windows = fill_database(roster)
    end = WEEK_START + dt.timedelta(days=args.days)
    load, _ = timed(lambda: selectors.roster_for_scoring(guild_id=BENCH_GUILD), args.runs)
    whole, loaded_best = timed(
        lambda: find_best_slots(
            selectors.roster_for_scoring(guild_id=BENCH_GUILD), range_start=WEEK_START, range_end=end
        ),
        args.runs,
    )
    same = [(s.start, s.score, s.head_count) for s in loaded_best] == [(s.start, s.score, s.head_count) for s in best]
    print(f"database: {len(roster)} players, {windows} windows in {DB_NAME}")
    if not same:
        print("WARNING: the selector's roster found other slots than the in-memory roster")

    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    client = APIClient()
    client.force_authenticate(staff)
    today = dt.date.today()
    monday = today + dt.timedelta(days=7 - today.weekday())
    base = f"/api/scheduling/guilds/{BENCH_GUILD}/best-time/"
    answers = {}

    def get(url: str):
        response = client.get(url)
        answers[url] = response
        return response

    url = f"{base}?date_from={monday}&days={args.days}"
    request, response = timed(lambda: get(url), args.runs)
    size_kb = len(response.content) / 1024
    slots = response.json() if response.status_code == 200 else []
    listed = sum(len(slot["missing_officers"]) for slot in slots)
    figures = [
        Figure("windows in the database", f"{windows}"),
        Figure("selector load (one query), median", spread(load)),
        Figure(
            "selector load + score, median",
            spread(whole),
            f"< {TARGET_SELECTOR_MS} ms",
            statistics.median(whole) < TARGET_SELECTOR_MS,
        ),
        Figure("selector finds the in-memory finder's slots", "yes" if same else "NO"),
        Figure(
            f"API best-time request (status {response.status_code}), median",
            spread(request),
            f"< {TARGET_API_MS} ms",
            response.status_code == 200 and statistics.median(request) < TARGET_API_MS,
        ),
        Figure(
            f"API answer for the top 5 ({listed} missing officers listed)",
            f"{size_kb:.1f} KB",
            f"< {TARGET_ANSWER_KB} KB",
            response.status_code == 200 and size_kb < TARGET_ANSWER_KB,
        ),
    ]
    if slots:
        start = slots[0]["start"].replace("+", "%2B")
        present_url = f"{base}present/?start={start}&page=1&page_size=50"
        present, page = timed(lambda: get(present_url), args.runs)
        figures.append(
            Figure(
                f"API present players, page of 50 (status {page.status_code}), median",
                f"{spread(present)}, {len(page.content) / 1024:.1f} KB",
            )
        )
    return figures


if __name__ == "__main__":
    main()
