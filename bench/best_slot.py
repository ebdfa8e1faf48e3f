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
DB_NAME = os.environ.get("BENCH_DB_PREFIX", "guildhall_bench") + "_best_slot"
# The finder needs no settings, but importing the project loads them: point them at the bench's
# own database (used only with --database).
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"

from scheduling.besttime import RosterEntry, Window, find_best_slots, weighted_heatmap  # noqa: E402
from scheduling.heatmap import render_heatmap_png  # noqa: E402

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
    parser.add_argument(
        "--database", action="store_true", help="also load the roster into PostgreSQL and time the selector and API"
    )
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
    if args.database:
        measure_database(roster, args)


BENCH_GUILD = 990_000_000_000_000_001


def measure_database(roster: list[RosterEntry], args) -> None:
    """The same roster in PostgreSQL: the selector (load + score) and the API request end to end."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from scheduling import selectors
    from scheduling.models import GuildRank, MemberZone, Player, PlayerAvailability

    call_command("migrate", verbosity=0)
    if Player.objects.filter(guild_id=BENCH_GUILD).count() != len(roster):
        Player.objects.filter(guild_id=BENCH_GUILD).delete()
        GuildRank.objects.filter(guild_id=BENCH_GUILD).delete()
        ranks = {
            weight: GuildRank.objects.create(
                guild_id=BENCH_GUILD, name=f"w{weight}", level=index + 1, scheduling_weight=weight
            )
            for index, weight in enumerate(sorted({entry.weight for entry in roster}))
        }
        players = Player.objects.bulk_create(
            Player(
                guild_id=BENCH_GUILD,
                discord_user_id=BENCH_GUILD + entry.player_id,
                display_name=entry.name,
                rank=ranks[entry.weight],
            )
            for entry in roster
        )
        MemberZone.objects.filter(discord_user_id__in=[p.discord_user_id for p in players]).delete()
        MemberZone.objects.bulk_create(
            MemberZone(discord_user_id=p.discord_user_id, timezone=entry.zone.key)
            for p, entry in zip(players, roster, strict=True)
        )
        PlayerAvailability.objects.bulk_create(
            PlayerAvailability(
                player=p, day_of_week=w.day_of_week, earliest_start=w.earliest_start, available_hours=w.hours
            )
            for p, entry in zip(players, roster, strict=True)
            for w in entry.windows
        )
    windows = PlayerAvailability.objects.filter(player__guild_id=BENCH_GUILD).count()
    load, whole = [], []
    for _ in range(args.runs):
        began = time.perf_counter()
        loaded = selectors.roster_for_scoring(guild_id=BENCH_GUILD)
        load.append((time.perf_counter() - began) * 1000)
        find_best_slots(
            loaded,
            range_start=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
            range_end=dt.datetime(2026, 3, 2 + args.days, tzinfo=dt.UTC),
        )
        whole.append((time.perf_counter() - began) * 1000)
    print(f"database: {len(roster)} players, {windows} windows in {DB_NAME}")
    print(
        f"selector load: median {statistics.median(load):.1f} ms; load + score: median "
        f"{statistics.median(whole):.1f} ms  (target < 40 ms)"
    )
    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    client = APIClient()
    client.force_authenticate(staff)
    today = dt.date.today()
    monday = today + dt.timedelta(days=7 - today.weekday())
    url = f"/api/scheduling/guilds/{BENCH_GUILD}/best-time/?date_from={monday}&days={args.days}"
    request_times, size = [], 0
    for _ in range(args.runs):
        began = time.perf_counter()
        response = client.get(url)
        request_times.append((time.perf_counter() - began) * 1000)
        size = len(response.content)
        if response.status_code != 200:
            print(f"API answered {response.status_code}: {response.content[:300]!r}")
            break
    print(
        f"API request (in process, staff): median {statistics.median(request_times):.1f} ms "
        f"(target < 60 ms), answer {size / 1024:.1f} KB for the top 5 (target < 20 KB), status {response.status_code}"
    )


if __name__ == "__main__":
    main()
