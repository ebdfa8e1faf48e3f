"""Benchmark of the outbox deliverer against Discord's rate limits (the emulator's, turned on).

Run from the project directory:

    .venv/bin/python bench/outbox.py            # 1,000 actions
    .venv/bin/python bench/outbox.py --quick    # 300 actions, the same mix

It creates and migrates the `<BENCH_DB_PREFIX>_outbox` database (prefix `guildhall_bench` by default), starts a Discord emulator with its rate
limits on (:mod:`botworker.emulator.rate_limits`, the defaults) and measures, with deliverers run
as `manage.py deliver_outbox` processes sharing the global limit through Redis
(`BENCH_REDIS_URL`, default `redis://127.0.0.1:6379/6`):

1. throughput: `--actions` actions committed at once in one transaction, in the mix of the issue
   (per 1,000: 500 channel messages over 20 channels, 300 DMs to distinct members, each a DM
   channel creation and a send, 100 role grants in one guild, 100 edits of existing messages, 5
   per channel), interleaved, delivered by one deliverer, then (everything reset) by three at once.
   Actions per second from the commit to the last row done.
2. the bound the limits allow for that mix, computed from the emulator's bucket parameters: for
   each per-route bucket, its requests need ``(ceil(n / limit) - 1) * period`` seconds at least (a
   window opens with its first request and the last window's requests go at its start); the global
   bucket (a token bucket of ``global_per_second`` tokens refilled at that rate) needs
   ``(total - global_per_second) / global_per_second``. The bound is the largest of these floors;
   actions per second at the bound is the action count over it, and the ratio compares the two.
3. 429s the emulator answered, by scope (user, shared, global).
4. idle latency: with one deliverer idle (LISTENing), `--samples` single actions committed one at
   a time; commit to the emulator receiving the request, p50/p99 (both clocks are this process's).

Targets (issue 18): at least 0.9 of the bound with one deliverer and with three, no per-route 429,
no global 429 with three deliverers, idle latency p99 under 100 ms. The script asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import environment  # noqa: E402

DB_NAME = environment.database_name("outbox")
MIX_PER_1000 = {"send": 500, "dm": 300, "role": 100, "edit": 100}
CHANNELS = 20
QUICK_ACTIONS = 500


def configure_environment() -> None:
    environment.configure("outbox", redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))


def setup_django() -> None:
    configure_environment()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_database() -> None:
    environment.ensure_database(DB_NAME)


# ---------------------------------------------------------------------------- the mix


def mix(total: int) -> dict[str, int]:
    counts = {kind: round(share * total / 1000) for kind, share in MIX_PER_1000.items()}
    counts["send"] += total - sum(counts.values())
    return counts


class World:
    """The emulated guild the actions go to: 20 channels, one member per DM, a role, messages to edit."""

    def __init__(self, emu, counts: dict[str, int]) -> None:
        self.guild = emu.add_guild(name="Bench")["id"]
        self.channels = [emu.add_channel(self.guild, name=f"news-{i}")["id"] for i in range(CHANNELS)]
        self.role = emu.add_role(self.guild, "Raider")["id"]
        base = 1_300_000_000_000_000_000
        self.dm_users = [str(base + i) for i in range(counts["dm"])]
        self.role_users = [str(base + 500_000 + i) for i in range(counts["role"])]
        for user in self.dm_users + self.role_users:
            emu.add_member(self.guild, user)
        self.edited = [
            (channel, emu.add_message(channel, f"draft {i}")["id"])
            for i in range(counts["edit"])
            for channel in [self.channels[i % CHANNELS]]
        ]


def actions(world: World, counts: dict[str, int], tag: str) -> list[dict]:
    """The rows to enqueue, the kinds interleaved evenly (as a burst of mixed work arrives)."""
    from botworker.outbox import AddRole, EditMessage, SendDM, SendMessage

    made: dict[str, list] = {
        "send": [
            SendMessage(channel_id=world.channels[i % CHANNELS], content=f"Announcement {i}")
            for i in range(counts["send"])
        ],
        "dm": [SendDM(user_id=user, content="Raid tonight at 20:00") for user in world.dm_users],
        "role": [AddRole(guild_id=world.guild, user_id=user, role_id=world.role) for user in world.role_users],
        "edit": [EditMessage(channel_id=c, message_id=m, content="edited") for c, m in world.edited],
    }
    ordered = sorted(
        (
            (index / len(items), kind, index, payload)
            for kind, items in made.items()
            for index, payload in enumerate(items)
        ),
        key=lambda item: (item[0], item[1]),
    )
    return [{"payload": payload, "dedupe_key": f"bench:{tag}:{kind}:{index}"} for _, kind, index, payload in ordered]


def planned_requests(world: World, counts: dict[str, int]) -> list[tuple[str, str]]:
    """The requests the mix makes, as the performers make them (a DM: open the channel, then send)."""
    requests = [("POST", f"/channels/{world.channels[i % CHANNELS]}/messages") for i in range(counts["send"])]
    for index in range(counts["dm"]):
        requests.append(("POST", "/users/@me/channels"))
        requests.append(("POST", f"/channels/{9_000_000_000_000_000 + index}/messages"))  # one DM channel each
    requests += [("PUT", f"/guilds/{world.guild}/members/{u}/roles/{world.role}") for u in world.role_users]
    requests += [("PATCH", f"/channels/{c}/messages/{m}") for c, m in world.edited]
    return requests


def floors(limits, requests: list[tuple[str, str]]) -> dict[str, float]:
    """The least time each bucket needs for its share of the requests, and the global bucket's."""
    per_bucket: Counter = Counter()
    rules = {}
    for method, path in requests:
        rule, key = limits.rule_for(method, path)
        per_bucket[key] += 1
        rules[key] = rule
    by_rule: dict[str, float] = {}
    for key, count in per_bucket.items():
        rule = rules[key]
        seconds = (math.ceil(count / rule.limit) - 1) * rule.period
        by_rule[rule.name] = max(by_rule.get(rule.name, 0.0), seconds)
    rate = limits.global_per_second
    by_rule["global"] = max(0.0, (len(requests) - rate) / rate)
    return by_rule


# ---------------------------------------------------------------------------- processes


def deliverer_env(emu) -> dict[str, str]:
    return {
        **os.environ,
        "DISCORD_API_BASE": emu.api_base,
        "DISCORD_TOKEN": emu.token,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


DELIVERER_ARGS: list[str] = []  # --batch-size / --concurrency given to the bench, passed on


def start_deliverers(emu, count: int, logs: Path) -> list[subprocess.Popen]:
    processes = []
    for index in range(count):
        with (logs / f"deliverer-{index}.log").open("ab") as out:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "deliver_outbox", *DELIVERER_ARGS],
                    cwd=ROOT,
                    env=deliverer_env(emu),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    wait_until(lambda: listening() >= count, timeout=60, what=f"{count} deliverers to LISTEN")
    return processes


def stop_deliverers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def listening() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query = 'LISTEN guildhall_outbox' AND state = 'idle'"
        )
        return cursor.fetchone()[0]


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(interval)
    raise SystemExit(f"gave up waiting for {what} after {timeout:.0f} s")


def fresh(emu, counts: dict[str, int]) -> World:
    from botworker.models import BotAction

    emu.reset()  # empties the buckets too
    BotAction.objects.all().delete()
    return World(emu, counts)


# ---------------------------------------------------------------------------- measurements


def throughput(emu, counts: dict[str, int], deliverers: int, logs: Path) -> dict:
    from django.db import transaction
    from django.db.models import Max

    from botworker.models import BotAction
    from botworker.outbox import enqueue_many

    world = fresh(emu, counts)
    total = sum(counts.values())
    processes = start_deliverers(emu, deliverers, logs)
    try:
        items = actions(world, counts, f"{deliverers}x")
        with transaction.atomic():
            enqueue_many(items)
        committed, committed_clock = time.time(), time.monotonic()
        finished = BotAction.Status.DONE, BotAction.Status.DEAD
        wait_until(
            lambda: BotAction.objects.filter(status__in=finished).count() == total,
            timeout=600,
            what="every action to finish",
            interval=0.2,
        )
        last = BotAction.objects.aggregate(last=Max("completed_at"))["last"]
    finally:
        stop_deliverers(processes)
    statuses = Counter(BotAction.objects.values_list("status", flat=True))
    seconds = last.timestamp() - committed
    scopes = Counter(r.rate_limit_scope for r in emu.rate_limited())
    sent = [r.at - committed_clock for r in emu.requests if r.at >= committed_clock]
    return {
        "committed": committed,
        "first_request": min(sent),
        "last_request": max(sent),
        "seconds": seconds,
        "per_second": total / seconds,
        "statuses": statuses,
        "scopes": scopes,
        "requests": len(emu.requests),
        "planned": planned_requests(world, counts),
    }


def idle_latency(emu, samples: int, logs: Path) -> list[float]:
    from django.db import transaction

    from botworker.outbox import SendMessage, enqueue

    world = fresh(emu, {"send": 0, "dm": 0, "role": 0, "edit": 0})
    processes = start_deliverers(emu, 1, logs)
    latencies = []
    try:
        time.sleep(1.0)
        for index in range(samples):
            channel = world.channels[index % CHANNELS]  # at most 2 per channel per 5 s: no route waits
            seen = len(emu.requests)
            with transaction.atomic():
                enqueue(SendMessage(channel_id=channel, content=f"ping {index}"), dedupe_key=f"bench:idle:{index}")
            committed = time.monotonic()
            request = wait_until(
                lambda seen=seen: next((r for r in emu.requests[seen:] if r.method == "POST"), None),
                timeout=10,
                what="the request",
                interval=0.001,
            )
            latencies.append((request.at - committed) * 1000)
            time.sleep(0.25)  # the deliverer is idle again, LISTENing
    finally:
        stop_deliverers(processes)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=1000, help="actions per run (the mix scales)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ACTIONS} actions, fewer latency samples")
    parser.add_argument("--samples", type=int, default=None, help="idle latency samples (default 60, quick 30)")
    parser.add_argument("--batch-size", type=int, help="deliver_outbox --batch-size (default: its own)")
    parser.add_argument("--concurrency", type=int, help="deliver_outbox --concurrency (default: its own)")
    options = parser.parse_args()
    for flag in ("batch_size", "concurrency"):
        if getattr(options, flag):
            DELIVERER_ARGS.extend([f"--{flag.replace('_', '-')}", str(getattr(options, flag))])
    total = QUICK_ACTIONS if options.quick else options.actions
    samples = options.samples or (30 if options.quick else 60)

    setup_django()
    from bench.figures import Figure, report
    from botworker.emulator import DiscordEmulator, RateLimits

    limits = RateLimits()
    counts = mix(total)
    with DiscordEmulator(token="bench-token", rate_limits=limits) as emu, tempfile.TemporaryDirectory() as logs:
        logs_dir = Path(logs)
        runs = {}
        for deliverers in (1, 3):
            print(f"delivering {total} actions {counts} with {deliverers} deliverer(s) ...", flush=True)
            runs[deliverers] = throughput(emu, counts, deliverers, logs_dir)
        print(f"idle latency, {samples} single actions ...", flush=True)
        latencies = idle_latency(emu, samples, logs_dir)
        failed_logs = {p.name: p.read_text()[-2000:] for p in logs_dir.iterdir() if "Traceback" in p.read_text()}

    by_floor = floors(limits, runs[1]["planned"])
    bound_seconds = max(by_floor.values())
    bound = total / bound_seconds
    print()
    print(f"mix: {counts}; requests planned: {len(runs[1]['planned'])}")
    print("floors (s): " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in by_floor.items()))
    for deliverers, run in runs.items():
        print(
            f"{deliverers} deliverer(s): {run['seconds']:.1f} s (requests from {run['first_request']:.2f} s "
            f"to {run['last_request']:.2f} s after the commit), {run['requests']} requests, "
            f"rows {dict(run['statuses'])}, 429s {dict(run['scopes']) or 'none'}"
        )
    for name, tail in failed_logs.items():
        print(f"--- {name} (tail) ---\n{tail}")

    figures = [Figure("bound for the mix (limits)", f"{bound:.1f} actions/s ({bound_seconds:.1f} s)")]
    for deliverers, run in runs.items():
        ratio = run["per_second"] / bound
        label = "1 deliverer" if deliverers == 1 else f"{deliverers} deliverers"
        figures += [
            Figure(f"{label}: actions/s", f"{run['per_second']:.1f}"),
            Figure(f"{label}: ratio to the bound", f"{ratio:.2f}", ">= 0.9", ratio >= 0.9),
            Figure(
                f"{label}: per-route 429s",
                str(run["scopes"]["user"] + run["scopes"]["shared"]),
                "0",
                run["scopes"]["user"] + run["scopes"]["shared"] == 0,
            ),
        ]
        global_429s = run["scopes"]["global"]
        if deliverers == 3:
            figures.append(Figure(f"{label}: global 429s", str(global_429s), "0", global_429s == 0))
        else:
            figures.append(Figure(f"{label}: global 429s", str(global_429s)))
        not_done = sum(count for status, count in run["statuses"].items() if status != "done")
        figures.append(Figure(f"{label}: rows not done", str(not_done), "0", not_done == 0))
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    figures += [
        Figure("idle commit-to-request p50", f"{p50:.1f} ms"),
        Figure("idle commit-to-request p99", f"{p99:.1f} ms", "< 100 ms", p99 < 100),
    ]
    report("outbox", figures)


if __name__ == "__main__":
    main()
