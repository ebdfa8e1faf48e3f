"""Benchmark of the dispatcher on reminders (`scheduling.dispatcher`), on PostgreSQL.

Run from the project directory:

    .venv/bin/python bench/reminders.py [--reminders 100000] [--due 2000] [--burst 10000] [--spread 60]
    .venv/bin/python bench/reminders.py --quick    # a burst of 2,000 and latency over 20 s

It creates and migrates the `<BENCH_DB_PREFIX>_reminders` database (prefix `guildhall_bench` by
default), fills it with `--reminders`
reminders (ten zones; two thirds recurring on random weekdays and times, one third one-off with a
lead of 0 to 120 minutes), and measures:

1. due selection: the dispatcher's batch query (`SELECT … FOR UPDATE SKIP LOCKED LIMIT 500` over
   the partial index of active, due rows) with `--due` rows due among all of them; median of 30.
2. throughput: `--burst` occurrences all due at once, dispatched by one dispatcher process, then
   (reset) by two processes at once; occurrences written (record + outbox row + next fire time) per
   second, and the duplicates found (outbox rows per occurrence above one; must be 0).
3. latency: `--due` occurrences due over the next `--spread` (60) seconds of real time, dispatched by two
   processes each running `dispatch_due` every 5 seconds (as two workers fed by beat would);
   due-to-outbox latency (the outbox row's creation time minus the occurrence instant) p50/p99.

Targets (issue: selection < 50 ms, ≥ 2,000 occurrences/s, p99 < 10 s, 0 duplicates) are printed
beside the figures and written to `bench/results/reminders-latest.json` (`bench.figures.report`);
the script asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import environment  # noqa: E402
from bench.figures import Figure, report  # noqa: E402

DB_NAME = environment.database_name("reminders")
ZONES = [
    "America/Chicago",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Europe/Brussels",
    "Europe/London",
    "Europe/Helsinki",
    "Australia/Sydney",
    "Asia/Kathmandu",
    "Pacific/Auckland",
]


def configure_environment() -> None:
    environment.configure("reminders")


def setup_django() -> None:
    configure_environment()
    import django

    django.setup()


def ensure_database() -> None:
    environment.ensure_database(DB_NAME)


def populate(total: int, rng: random.Random) -> None:
    """`total` reminders, none due: their next sends are 2 to 8 days ahead."""
    from scheduling.models import Reminder

    now = datetime.now(UTC)
    rows = []
    for index in range(total):
        zone = rng.choice(ZONES)
        ahead = timedelta(days=2, seconds=rng.randint(0, 6 * 86400))
        common = {
            "guild_id": 1000 + index % 50,
            "name": f"reminder {index}",
            "channel_id": 10_000 + index % 500,
            "message": "Raid night: bring flasks and food.",
            "created_by": 77,
            "timezone": zone,
            "next_fire_at": now + ahead,
        }
        if rng.random() < 2 / 3:
            days = sorted(rng.sample(range(7), rng.randint(1, 5)))
            rows.append(Reminder(**common, days=days, time=datetime(2000, 1, 1, rng.randint(0, 23), 30).time()))
        else:
            lead = rng.choice([0, 15, 30, 60, 120])
            event = now + ahead + timedelta(minutes=lead)
            rows.append(
                Reminder(**common, event_time=event, call_time=event.time(), lead_minutes=lead, days=[], time=None)
            )
        if len(rows) == 5000:
            Reminder.objects.bulk_create(rows)
            rows = []
    if rows:
        Reminder.objects.bulk_create(rows)


def reset() -> None:
    """Forget every dispatch and outbox row; nothing due."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE scheduling_dispatch, botworker_botaction CASCADE")
        cursor.execute(
            "UPDATE scheduling_reminder SET status = 'active', archived_at = NULL, "
            "next_fire_at = now() + interval '2 days' + (id % 500000) * interval '1 second' "
            "WHERE next_fire_at IS NULL OR next_fire_at < now() + interval '1 day'"
        )
        cursor.execute("ANALYZE scheduling_reminder")


def make_due(count: int, *, start: datetime, spread_seconds: float, rng: random.Random) -> list[int]:
    """Make `count` random reminders due between `start` and `start + spread_seconds`."""
    from scheduling.models import Reminder

    ids = rng.sample(list(Reminder.objects.values_list("pk", flat=True)), count)
    rows = list(Reminder.objects.filter(pk__in=ids))
    for row in rows:
        due = start + timedelta(seconds=rng.uniform(0, spread_seconds))
        row.next_fire_at = due
        if row.event_time is not None:
            # Due at its event (T0): the early send was before.
            row.event_time = due
    Reminder.objects.bulk_update(rows, ["next_fire_at", "event_time"], batch_size=2000)
    return ids


def measure_selection(runs: int = 30) -> list[float]:
    from django.db import connection, transaction

    from scheduling.dispatcher import DEFAULT_BATCH_SIZE
    from scheduling.models import Reminder

    timings = []
    for _ in range(runs):
        with transaction.atomic():
            began = time.perf_counter()
            rows = list(
                Reminder.objects.filter(
                    status="active", next_fire_at__isnull=False, next_fire_at__lte=datetime.now(UTC)
                )
                .order_by("next_fire_at", "pk")
                .select_for_update(skip_locked=True, of=("self",))[:DEFAULT_BATCH_SIZE]
            )
            timings.append((time.perf_counter() - began) * 1000)
            transaction.set_rollback(True)
    connection.close()
    return timings, len(rows)


def _dispatcher_process(stop_at: float, every: float, offset: float, queue) -> None:
    setup_django()
    from scheduling import dispatcher

    time.sleep(offset)
    total = 0
    busy = 0.0
    while True:
        began = time.perf_counter()
        report = dispatcher.dispatch_due()
        busy += time.perf_counter() - began
        total += report.sent + report.late
        if every <= 0:
            break
        if time.time() >= stop_at:
            break
        time.sleep(max(0.0, every - (time.perf_counter() - began)))
    queue.put((total, busy))


def run_dispatchers(count: int, *, every: float = 0.0, until: float = 0.0) -> tuple[float, list[tuple[int, float]]]:
    """Start `count` dispatcher processes (spawned, each its own Django and connection); each runs
    dispatch_due once (every == 0) or every `every` seconds until `until`. Returns wall time."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(target=_dispatcher_process, args=(until, every, index * every / max(count, 1), queue))
        for index in range(count)
    ]
    began = time.perf_counter()
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    return time.perf_counter() - began, results


def duplicates() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM botworker_botaction "
            "WHERE kind = 'send_message' GROUP BY payload->>'content', payload->>'channel_id', dedupe_key) d"
        )
        by_key = cursor.fetchone()[0]
        cursor.execute(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM scheduling_dispatch "
            "GROUP BY source, source_id, occurrence, kind) d"
        )
        by_occurrence = cursor.fetchone()[0]
    return int(by_key) + int(by_occurrence)


def throughput(processes: int, burst: int, rng: random.Random) -> tuple[float, int, int]:
    from botworker.models import BotAction
    from scheduling.models import Dispatch

    reset()
    make_due(burst, start=datetime.now(UTC) - timedelta(seconds=30), spread_seconds=20, rng=rng)
    # Time only the dispatching: each process reports its busy time; the wall time includes spawning.
    _, results = run_dispatchers(processes)
    sent = sum(total for total, _ in results)
    busiest = max(busy for _, busy in results)
    written = Dispatch.objects.count()
    outbox = BotAction.objects.filter(kind="send_message").count()
    if written != burst or outbox != burst:
        print(f"  note: {burst} due, but {written} dispatch records and {outbox} outbox rows were written")
    return sent / busiest, duplicates(), sent


def latency(due: int, rng: random.Random, spread: int = 60) -> tuple[float, float, int]:
    from botworker.models import BotAction
    from scheduling.models import Dispatch

    reset()
    start = datetime.now(UTC) + timedelta(seconds=8)
    make_due(due, start=start, spread_seconds=spread, rng=rng)
    until = time.time() + 8 + spread + 8
    run_dispatchers(2, every=5.0, until=until)
    occurrences = dict(Dispatch.objects.values_list("pk", "occurrence"))
    delays = []
    for hook_args, created in BotAction.objects.filter(kind="send_message").values_list("hook_args", "created_at"):
        delays.append((created - occurrences[hook_args["dispatch_id"]]).total_seconds())
    delays.sort()
    p50 = statistics.median(delays)
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    return p50, p99, len(delays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=2000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument(
        "--spread", type=int, default=60, help="seconds over which the latency run's occurrences fall due"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a burst of 2,000 and a latency run over 20 s")
    args = parser.parse_args()
    if args.quick:
        args.burst, args.spread = min(args.burst, 2000), min(args.spread, 20)
    rng = random.Random(args.seed)

    configure_environment()
    ensure_database()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from scheduling.models import Reminder

    call_command("migrate", verbosity=0)
    if Reminder.objects.count() != args.reminders:
        print(f"filling {args.reminders} reminders …", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE scheduling_reminder, scheduling_dispatch, botworker_botaction CASCADE")
        populate(args.reminders, rng)

    print(f"reminders: {args.reminders} in {DB_NAME}; machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")

    reset()
    make_due(args.due, start=datetime.now(UTC) - timedelta(seconds=60), spread_seconds=59, rng=rng)
    timings, selected = measure_selection()
    selection = statistics.median(timings)
    print(
        f"due selection ({args.due} due, batch of {selected}): median {selection:.1f} ms, "
        f"max {max(timings):.1f} ms  (target < 50 ms)"
    )

    one_rate, one_dups, _ = throughput(1, args.burst, rng)
    print(f"one dispatcher: {one_rate:,.0f} occurrences/s over a burst of {args.burst}, duplicates {one_dups}")
    two_rate, two_dups, _ = throughput(2, args.burst, rng)
    print(
        f"two dispatchers at once: {two_rate:,.0f} occurrences/s together, duplicates {two_dups}  "
        "(target ≥ 2,000/s, 0 duplicates)"
    )

    print(f"latency: {args.due} occurrences due over {args.spread} s, two dispatchers every 5 s …", flush=True)
    p50, p99, measured = latency(args.due, rng, args.spread)
    print(f"due-to-outbox latency over {measured}: p50 {p50:.2f} s, p99 {p99:.2f} s  (target p99 < 10 s)")
    lat_dups = duplicates()
    print(f"duplicates in the latency run: {lat_dups}")

    report(
        "reminders",
        [
            Figure("reminders / due / burst", f"{args.reminders:,} / {args.due:,} / {args.burst:,}"),
            Figure(f"due selection ({args.due} due), median", f"{selection:.1f} ms", "< 50 ms", selection < 50),
            Figure("one dispatcher", f"{one_rate:,.0f} occurrences/s", "≥ 2,000/s", one_rate >= 2000),
            Figure("two dispatchers at once", f"{two_rate:,.0f} occurrences/s"),
            Figure(
                "duplicates (one, two, latency run)",
                f"{one_dups}, {two_dups}, {lat_dups}",
                "0",
                one_dups == two_dups == lat_dups == 0,
            ),
            Figure(f"due-to-outbox latency p50 ({measured} over {args.spread} s)", f"{p50:.2f} s"),
            Figure("due-to-outbox latency p99", f"{p99:.2f} s", "< 10 s", p99 < 10),
        ],
    )


if __name__ == "__main__":
    main()
