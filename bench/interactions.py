"""Benchmark of the signed HTTP interactions endpoint, `POST /discord/interactions/`.

Run from the project directory:

    .venv/bin/python bench/interactions.py [--seconds 10] [--concurrency 1,8,32] [--workers N]
    .venv/bin/python bench/interactions.py --quick      # 3 s per cell, concurrency 8 only

It generates an Ed25519 signing key, creates and migrates a PostgreSQL database (`--database`, or
BENCH_DATABASE, default `guildhall_bench`), configures one guild with a moderator role (`manage.py
configure_guild`), and starts the app under gunicorn on a free port of 127.0.0.1 with
`bench.settings` (the project's settings plus the `bench/bare/` and `bench/floor/` baseline views)
and DEBUG off. Then, for each concurrency level, it fires requests at four targets for a fixed time
after a short warm-up:

- ping:   a signed PING (type 1), answered with PONG without touching the database;
- whoami: the signed `/whoami` slash command of a moderator, each request with its own
          interaction id: it reads the guild's configuration and records the interaction with its
          answer (one InteractionRecord row) in one transaction;
- floor:  the same body POSTed to a view that does only what "each interaction handled once"
          needs: one `INSERT … ON CONFLICT DO NOTHING` of the id with the answer, and a commit, on
          a table of the record's shape (`bench_floor_record`); no signature, no routing;
- bare:   the same body POSTed to a bare Django view that returns the same JSON, verifying
          nothing and touching no database.

Request bodies are signed before each timed phase, so signing costs nothing in the measurement.
The load generator (asyncio + aiohttp, one connection per concurrent client) runs on the same
machine as the server and its database, and the CPU each of them used is printed with the
figures. It prints a table, writes the run as JSON to bench/results/, stops gunicorn, and ends
with issue 18's figures through `bench.figures.report("interactions", ...)`: at concurrency 8,
each target's throughput, latency and server CPU per request, and /whoami against its targets
(>= 0.5 of the bare view, >= 0.85 of the floor, p99 < 25 ms). The ratios are measured in the same
run, so they hold on a shared machine where absolute figures do not.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import psycopg
from nacl.signing import SigningKey

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script: bench.figures is importable from here
    sys.path.insert(0, str(PROJECT_DIR))

from bench.figures import Figure, report  # noqa: E402

RESULTS_DIR = PROJECT_DIR / "bench" / "results"
VENV_BIN = Path(sys.executable).parent

# The database the benchmark creates and migrates: `--database` or BENCH_DATABASE, so two people
# benchmarking on one PostgreSQL server do not empty each other's tables.
DEFAULT_DATABASE_NAME = "guildhall_bench"
DATABASE_NAME = DEFAULT_DATABASE_NAME  # set from the arguments by main()
LOG_LEVEL = "WARNING"
HOST = "127.0.0.1"

INTERACTIONS_PATH = "/discord/interactions/"
BARE_PATH = "/bench/bare/"
FLOOR_PATH = "/bench/floor/"
FLOOR_TABLE = "bench_floor_record"
# The table each recording target writes one row per request to.
RECORD_TABLES = {"whoami": "botworker_interactionrecord", "floor": FLOOR_TABLE}

# The guild the benchmark configures; the bare view in bench/urls.py answers what /whoami
# answers a moderator of it, which `check_targets` verifies before anything is timed.
GUILD_ID = 111_111_111_111_111_111
CHANNEL_ID = 222_222_222_222_222_222
USER_ID = 333_333_333_333_333_333
MOD_ROLE_ID = 444_444_444_444_444_441
GUILD_TIMEZONE = "Europe/Berlin"
APPLICATION_ID = "555555555555555555"
FIRST_INTERACTION_ID = 900_000_000_000_000_000

WARMUP_SECONDS = 2.0
WARMUP_MAX_RATE = 5_000
# Bodies signed for a timed whoami phase: this many times what the warm-up rate predicts.
SIGNING_MARGIN = 2.0
STARTUP_TIMEOUT_SECONDS = 30
SHUTDOWN_TIMEOUT_SECONDS = 15

# Issue 18's targets for /whoami, all at concurrency 8: throughput against the bare view and
# against the floor (ratios measured in the same run, so they hold on a noisy machine), and p99.
TARGET_CONCURRENCY = 8
BARE_RATIO_TARGET = 0.5
FLOOR_RATIO_TARGET = 0.85
P99_TARGET_MS = 25.0
QUICK_SECONDS = 3.0
# The timed seconds of a cell are taken in this many phases, interleaved across the targets.
DEFAULT_ROUNDS = 3

# Above these, the figures of a cell are flagged as possibly distorted.
OTHER_LOAD_WARNING_PERCENT = 20.0
GENERATOR_SATURATED_PERCENT = 90.0

TARGETS = ("ping", "whoami", "floor", "bare")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchmarkError(Exception):
    """The benchmark cannot measure: the server did not start or answers wrongly."""


# --- Payloads and signing -------------------------------------------------------------------


class Signer:
    """Signs bodies the way Discord does: Ed25519 over the timestamp followed by the body."""

    def __init__(self) -> None:
        self.key = SigningKey.generate()
        self.public_key_hex = self.key.verify_key.encode().hex()

    def headers(self, body: bytes) -> dict[str, str]:
        timestamp = str(int(time.time()))
        signature = self.key.sign(timestamp.encode() + body).signature.hex()
        return {
            "Content-Type": "application/json",
            "X-Signature-Ed25519": signature,
            "X-Signature-Timestamp": timestamp,
        }


def ping_body() -> bytes:
    return json.dumps(
        {"id": "1", "application_id": APPLICATION_ID, "type": 1, "token": "tok-ping", "version": 1}
    ).encode()


def whoami_body(interaction_id: int) -> bytes:
    """The `/whoami` slash command, sent in the configured guild by a member with the mod role."""
    payload = {
        "id": str(interaction_id),
        "application_id": APPLICATION_ID,
        "type": 2,
        "data": {"id": "666666666666666666", "name": "whoami", "type": 1, "options": []},
        "token": f"tok-{interaction_id}",
        "version": 1,
        "locale": "en-GB",
        "channel_id": str(CHANNEL_ID),
        "guild_id": str(GUILD_ID),
        "member": {
            "user": {"id": str(USER_ID), "username": "bench", "discriminator": "0", "global_name": "Bench"},
            "roles": [str(MOD_ROLE_ID)],
            "permissions": "0",
        },
    }
    return json.dumps(payload).encode()


class RequestSupply:
    """The requests of one phase. A repeating supply hands out the same request forever; an
    exhaustible one hands each out once and then None (whoami needs a new id per request)."""

    def __init__(self, requests: list[tuple[bytes, dict[str, str]]], *, repeat: bool) -> None:
        self.requests = requests
        self.repeat = repeat
        self.handed_out = 0

    def take(self) -> tuple[bytes, dict[str, str]] | None:
        if self.repeat:
            return self.requests[0]
        if self.handed_out >= len(self.requests):
            return None
        self.handed_out += 1
        return self.requests[self.handed_out - 1]


class RequestFactory:
    """Builds the signed requests for each target, with interaction ids that never repeat."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer
        self.interaction_ids = itertools.count(FIRST_INTERACTION_ID + int(time.time() * 1000) * 1000)

    def supply(self, target: str, count: int) -> RequestSupply:
        if target == "ping":
            body = ping_body()
            return RequestSupply([(body, self.signer.headers(body))], repeat=True)
        if target == "bare":
            body = whoami_body(next(self.interaction_ids))
            return RequestSupply([(body, self.signer.headers(body))], repeat=True)
        # whoami and floor: each request with its own interaction id (floor records it too).
        bodies = [whoami_body(next(self.interaction_ids)) for _ in range(count)]
        return RequestSupply([(body, self.signer.headers(body)) for body in bodies], repeat=False)


def path_of(target: str) -> str:
    return {"bare": BARE_PATH, "floor": FLOOR_PATH}.get(target, INTERACTIONS_PATH)


# --- CPU accounting -------------------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds used) of a process, None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class CpuSnapshot:
    """CPU seconds used so far by every process (with its name and parent) and by the machine."""

    processes: dict[int, tuple[str, int, float]]
    machine_busy: float


def cpu_snapshot() -> CpuSnapshot:
    processes = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))) is not None:
            processes[int(entry.name)] = stat
    with open("/proc/stat") as machine:
        ticks = [int(value) for value in machine.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return CpuSnapshot(processes, (sum(ticks) - idle) / CLOCK_TICKS)


def bench_postgres_pids() -> set[int]:
    """The PostgreSQL processes serving the bench: its database's backends and the server's own
    background processes (WAL writer, checkpointer...), not other databases' backends."""
    with bench_connection() as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s OR backend_type <> 'client backend'", [DATABASE_NAME]
        ).fetchall()
    return {pid for (pid,) in rows}


def cpu_shares(before: CpuSnapshot, after: CpuSnapshot, *, server_pid: int, wall_seconds: float) -> dict[str, float]:
    """Percent of one core used over the interval by the load generator (this process), gunicorn
    (master and workers), the bench's PostgreSQL processes, and everything else on the machine."""
    postgres = bench_postgres_pids()
    used = {"generator": 0.0, "app": 0.0, "postgres": 0.0}
    for pid, (name, parent, seconds) in after.processes.items():
        delta = seconds - before.processes[pid][2] if pid in before.processes else seconds
        if pid == os.getpid():
            used["generator"] += delta
        elif server_pid in (pid, parent):
            used["app"] += delta
        elif name == "postgres" and pid in postgres:
            used["postgres"] += delta
    shares = {party: 100 * seconds / wall_seconds for party, seconds in used.items()}
    machine_busy = 100 * (after.machine_busy - before.machine_busy) / wall_seconds
    shares["other"] = max(0.0, machine_busy - sum(shares.values()))
    return shares


# --- Load generation ------------------------------------------------------------------------


@dataclass
class Phase:
    """What one phase of firing requests observed. `latencies_ms` are of the requests answered
    within the phase's time; `answered_200` counts every 200 including those answered late."""

    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: int = 0
    answered_200: int = 0
    exhausted: bool = False
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.failures + sum(count for status, count in self.statuses.items() if status != 200)


async def fire(
    base_url: str, path: str, supply: RequestSupply, *, concurrency: int, seconds: float, server_pid: int
) -> Phase:
    """`concurrency` clients, each sending its next request as soon as the previous one is
    answered, for `seconds` (or until an exhaustible supply runs out)."""
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    phase = Phase(seconds=seconds)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        deadline = started + seconds
        cpu_before = cpu_snapshot()
        last_answer = started

        async def client() -> None:
            nonlocal last_answer
            while time.perf_counter() < deadline:
                request = supply.take()
                if request is None:
                    phase.exhausted = True
                    return
                body, headers = request
                sent = time.perf_counter()
                try:
                    async with session.post(path, data=body, headers=headers) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = None
                answered = time.perf_counter()
                if status == 200:
                    phase.answered_200 += 1
                if answered > deadline:
                    continue
                last_answer = max(last_answer, answered)
                if status is None:
                    phase.failures += 1
                else:
                    phase.statuses[status] += 1
                phase.latencies_ms.append((answered - sent) * 1000)

        await asyncio.gather(*(client() for _ in range(concurrency)))
        finished = time.perf_counter()
        phase.cpu = cpu_shares(cpu_before, cpu_snapshot(), server_pid=server_pid, wall_seconds=finished - started)
        if phase.exhausted:
            phase.seconds = last_answer - started
    return phase


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Cell:
    target: str
    concurrency: int
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    statuses: dict[str, int]
    cpu_percent: dict[str, float]
    ratio_to_bare: float | None = None
    ratio_to_floor: float | None = None
    rows_written: int | None = None
    supply_ran_out: bool = False


def merge_phases(phases: list[Phase]) -> Phase:
    """One phase of the interleaved rounds of a target: latencies and answers pooled, time summed,
    CPU shares averaged over the time."""
    merged = Phase(seconds=sum(phase.seconds for phase in phases))
    for phase in phases:
        merged.latencies_ms.extend(phase.latencies_ms)
        merged.statuses.update(phase.statuses)
        merged.failures += phase.failures
        merged.answered_200 += phase.answered_200
        merged.exhausted = merged.exhausted or phase.exhausted
    if merged.seconds:
        merged.cpu = {
            party: sum(phase.cpu[party] * phase.seconds for phase in phases) / merged.seconds for party in phases[0].cpu
        }
    return merged


def measure_level(
    base_url: str,
    factory: RequestFactory,
    targets: list[str],
    *,
    concurrency: int,
    seconds: float,
    rounds: int,
    server_pid: int,
) -> list[Cell]:
    """Every target at one concurrency level. Each is warmed up first; then the timed `seconds`
    per target are cut into `rounds` phases taken in turn (whoami, floor, bare, whoami, ...), so
    a burst of load from outside the benchmark falls on every target alike and the ratios
    between them hold. Each phase's requests are signed before it starts. For whoami and floor,
    the record rows written are counted, which must equal the 200 answers (one row each)."""
    rows_before = {target: count_rows(RECORD_TABLES[target]) for target in targets if target in RECORD_TABLES}
    warmups: dict[str, Phase] = {}
    for target in targets:
        # Enough unique bodies for any warm-up rate this machine reaches; the rate sizes the rest.
        warm_supply = factory.supply(target, int(WARMUP_MAX_RATE * WARMUP_SECONDS))
        warmups[target] = asyncio.run(
            fire(
                base_url,
                path_of(target),
                warm_supply,
                concurrency=concurrency,
                seconds=WARMUP_SECONDS,
                server_pid=server_pid,
            )
        )
    phase_seconds = seconds / rounds
    timed: dict[str, list[Phase]] = {target: [] for target in targets}
    for _ in range(rounds):
        for target in targets:
            needed = int(warmups[target].requests_per_second * phase_seconds * SIGNING_MARGIN) + 100 * concurrency
            supply = factory.supply(target, needed)
            timed[target].append(
                asyncio.run(
                    fire(
                        base_url,
                        path_of(target),
                        supply,
                        concurrency=concurrency,
                        seconds=phase_seconds,
                        server_pid=server_pid,
                    )
                )
            )
    cells = []
    for target in targets:
        phase = merge_phases(timed[target])
        rows_written = None
        if target in rows_before:
            rows_written = count_rows(RECORD_TABLES[target]) - rows_before[target]
            answered = warmups[target].answered_200 + phase.answered_200
            if rows_written != answered:
                print(
                    f"  warning: {target} c={concurrency}: {answered} answers with 200 but {rows_written} rows written"
                )
        cells.append(
            Cell(
                target=target,
                concurrency=concurrency,
                requests=len(phase.latencies_ms),
                seconds=round(phase.seconds, 3),
                requests_per_second=phase.requests_per_second,
                p50_ms=percentile(phase.latencies_ms, 0.50),
                p99_ms=percentile(phase.latencies_ms, 0.99),
                errors=phase.errors,
                statuses={str(status): count for status, count in sorted(phase.statuses.items())}
                | ({"failed": phase.failures} if phase.failures else {}),
                cpu_percent={party: round(share, 1) for party, share in phase.cpu.items()},
                rows_written=rows_written,
                supply_ran_out=phase.exhausted,
            )
        )
    return cells


# --- Database and server --------------------------------------------------------------------


def server_environment(public_key_hex: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}",
        DISCORD_PUBLIC_KEY=public_key_hex,
        LOG_LEVEL=LOG_LEVEL,
    )
    return env


def admin_connection() -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", autocommit=True)


def bench_connection() -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=DATABASE_NAME, autocommit=True)


def create_database() -> None:
    with admin_connection() as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def count_rows(table: str) -> int:
    with bench_connection() as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def create_floor_table() -> None:
    """The floor's record table: the interaction record's shape (columns, defaults, the unique
    index on interaction_id and the other indexes), created beside it in the bench database."""
    with bench_connection() as connection:
        connection.execute(f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (LIKE {RECORD_TABLES['whoami']} INCLUDING ALL)")


def clear_interaction_records() -> None:
    """Start every run from empty record tables, so runs compare like with like."""
    with bench_connection() as connection:
        connection.execute(f"TRUNCATE {', '.join(RECORD_TABLES.values())}")


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, check=True, stdout=subprocess.DEVNULL
    )


def prepare_database(env: dict[str, str]) -> None:
    create_database()
    manage(env, "migrate", "--noinput")
    manage(
        env,
        "configure_guild",
        str(GUILD_ID),
        "--name",
        "Bench Guild",
        "--mod-role",
        str(MOD_ROLE_ID),
        "--timezone",
        GUILD_TIMEZONE,
    )
    create_floor_table()
    clear_interaction_records()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_server(env: dict[str, str], *, workers: int, worker_class: str, threads: int, log_dir: Path) -> Server:
    port = free_port()
    log_path = log_dir / "gunicorn.log"
    command = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--backlog",
        "2048",
        "--log-level",
        LOG_LEVEL.lower(),
        "--error-logfile",
        str(log_path),
    ]
    # Django's own log lines (the app's console handler) go to the same file as gunicorn's.
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(process=process, base_url=f"http://{HOST}:{port}", log_path=log_path)


def wait_until_ready(server: Server, *, expected_workers: int) -> None:
    """Until every worker has booted and the bare view answers."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchmarkError(f"gunicorn exited with status {server.process.returncode}")
        booted = sum(
            1 for entry in Path("/proc").iterdir() if entry.name.isdigit() and _is_worker(int(entry.name), server)
        )
        if booted >= expected_workers and asyncio.run(answers_bare(server.base_url)):
            return
        time.sleep(0.2)
    raise BenchmarkError(f"gunicorn did not answer within {STARTUP_TIMEOUT_SECONDS} s")


def _is_worker(pid: int, server: Server) -> bool:
    stat = _proc_stat(pid)
    return stat is not None and stat[1] == server.process.pid


async def answers_bare(base_url: str) -> bool:
    try:
        async with aiohttp.ClientSession(base_url) as session, session.post(BARE_PATH, data=b"{}") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


def stop_server(server: Server) -> None:
    """SIGTERM (gunicorn's graceful shutdown), SIGKILL to the process group if it hangs."""
    if server.process.poll() is not None:
        return
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


async def check_targets(base_url: str, factory: RequestFactory) -> None:
    """Refuse to time anything unless each target answers as the benchmark assumes: PONG for
    PING, and the same bytes from whoami, the floor and the bare view."""
    answers = {}
    async with aiohttp.ClientSession(base_url) as session:
        for target in TARGETS:
            body, headers = factory.supply(target, 1).take()
            async with session.post(path_of(target), data=body, headers=headers) as response:
                answers[target] = (response.status, await response.read())
    if answers["ping"] != (200, b'{"type": 1}'):
        raise BenchmarkError(f"PING was answered with {answers['ping']}")
    if answers["whoami"][0] != 200 or answers["whoami"] != answers["bare"]:
        raise BenchmarkError(f"whoami and the bare view answer differently: {answers['whoami']} vs {answers['bare']}")
    if answers["floor"] != answers["bare"]:
        raise BenchmarkError(f"the floor and the bare view answer differently: {answers['floor']} vs {answers['bare']}")


# --- Report ---------------------------------------------------------------------------------


def server_cpu_ms_per_request(cell: Cell) -> float:
    """CPU milliseconds gunicorn and PostgreSQL spent per answered request."""
    cpu = cell.cpu_percent
    return (cpu["app"] + cpu["postgres"]) * 10 / cell.requests_per_second if cell.requests_per_second else math.nan


def benchmark_cpu_ms_per_request(cell: Cell) -> float:
    """CPU milliseconds the whole exchange cost per answered request: generator, gunicorn and
    PostgreSQL. On a machine doing nothing else, throughput is inversely proportional to it, so
    its ratios estimate the throughput ratios without the noise of other processes' load."""
    cpu = cell.cpu_percent
    used = cpu["generator"] + cpu["app"] + cpu["postgres"]
    return used * 10 / cell.requests_per_second if cell.requests_per_second else math.nan


def print_table(cells: list[Cell]) -> None:
    header = (
        f"{'target':<7} {'conc':>4} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'vs bare':>7}"
        f" {'vs floor':>8} | {'gen':>4} {'app':>4} {'pg':>4} {'other':>5} | {'server CPU ms/req':>17}"
    )
    print(f"{'':<7} {'':>4} {'':>7} {'':>7} {'':>7} {'':>6} {'':>7} {'':>8} | CPU, % of one core  |")
    print(header)
    print("-" * len(header))
    for cell in cells:
        ratio = f"{cell.ratio_to_bare:.2f}" if cell.ratio_to_bare is not None else "-"
        to_floor = f"{cell.ratio_to_floor:.2f}" if cell.ratio_to_floor is not None else "-"
        cpu = cell.cpu_percent
        note = "  (signed requests ran out early)" if cell.supply_ran_out else ""
        print(
            f"{cell.target:<7} {cell.concurrency:>4} {cell.requests_per_second:>7.0f} {cell.p50_ms:>7.2f}"
            f" {cell.p99_ms:>7.2f} {cell.errors:>6} {ratio:>7} {to_floor:>8} | {cpu['generator']:>4.0f} {cpu['app']:>4.0f}"
            f" {cpu['postgres']:>4.0f} {cpu['other']:>5.0f} | {server_cpu_ms_per_request(cell):>17.2f}{note}"
        )


def caveats(cells: list[Cell]) -> list[str]:
    """What may have distorted the figures: other load on the machine, a saturated generator."""
    lines = []
    other = max((cell.cpu_percent["other"] for cell in cells), default=0.0)
    if other > OTHER_LOAD_WARNING_PERCENT:
        lines.append(
            f"note: other processes used up to {other:.0f}% of a core during a cell; throughput and latency are"
            " disturbed there (server CPU ms/req is the steadier figure)"
        )
    generator = max((cell.cpu_percent["generator"] for cell in cells), default=0.0)
    if generator > GENERATOR_SATURATED_PERCENT:
        lines.append(f"note: the load generator used up to {generator:.0f}% of its core: it may have been the limit")
    return lines


def _cell(cells: list[Cell], target: str, concurrency: int) -> Cell | None:
    return next((cell for cell in cells if cell.target == target and cell.concurrency == concurrency), None)


def figures(cells: list[Cell]) -> list[Figure]:
    """The figures of the run in bench.figures' shape: at the target concurrency, each target's
    throughput, p99 and server CPU per request, and /whoami's three targets (PASS/MISS)."""
    level = TARGET_CONCURRENCY
    result = []
    for target in TARGETS:
        cell = _cell(cells, target, level)
        if cell is None:
            continue
        result.append(Figure(f"{target} c={level}: throughput", f"{cell.requests_per_second:.0f} req/s"))
        result.append(Figure(f"{target} c={level}: p50 / p99", f"{cell.p50_ms:.1f} / {cell.p99_ms:.1f} ms"))
        result.append(
            Figure(f"{target} c={level}: server CPU per request", f"{server_cpu_ms_per_request(cell):.2f} ms")
        )
    whoami = _cell(cells, "whoami", level)
    if whoami is None:
        return result
    if whoami.ratio_to_bare is not None:
        result.append(
            Figure(
                f"whoami / bare throughput, c={level}",
                f"{whoami.ratio_to_bare:.2f}",
                f">= {BARE_RATIO_TARGET}",
                whoami.ratio_to_bare >= BARE_RATIO_TARGET,
            )
        )
    if whoami.ratio_to_floor is not None:
        result.append(
            Figure(
                f"whoami / floor throughput, c={level}",
                f"{whoami.ratio_to_floor:.2f}",
                f">= {FLOOR_RATIO_TARGET}",
                whoami.ratio_to_floor >= FLOOR_RATIO_TARGET,
            )
        )
    for baseline in ("bare", "floor"):
        other = _cell(cells, baseline, level)
        if other is not None:
            estimate = benchmark_cpu_ms_per_request(other) / benchmark_cpu_ms_per_request(whoami)
            result.append(
                Figure(f"whoami / {baseline} by CPU per request (estimate on an idle machine)", f"{estimate:.2f}")
            )
    result.append(
        Figure(
            f"whoami p99, c={level} ({whoami.errors} errors)",
            f"{whoami.p99_ms:.1f} ms",
            f"< {P99_TARGET_MS:g} ms, no errors",
            whoami.p99_ms < P99_TARGET_MS and whoami.errors == 0,
        )
    )
    return result


def machine_description() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):  # no /proc/cpuinfo: the model stays unknown
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({model}), {memory_gb:.1f} GiB RAM, {platform.system()} {platform.release()}"


def cell_record(cell: Cell) -> dict:
    """A cell as JSON-ready data (no NaN: a figure that could not be computed is null)."""
    record = asdict(cell) | {"server_cpu_ms_per_request": server_cpu_ms_per_request(cell)}
    return {
        key: None if isinstance(value, float) and not math.isfinite(value) else value for key, value in record.items()
    }


def save_results(run: dict, started_at: datetime) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"interactions-{started_at:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(run, indent=2) + "\n")
    return path


# --- Main -----------------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per cell (default 10)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help=f"phases each cell's seconds are cut into, taken in turn across targets (default {DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--concurrency",
        type=lambda text: [int(level) for level in text.split(",")],
        default=[1, 8, 32],
        help="comma-separated concurrency levels (default 1,8,32)",
    )
    parser.add_argument(
        "--workers", type=int, default=2 * cores + 1, help=f"gunicorn workers (default 2 x cores + 1 = {2 * cores + 1})"
    )
    # sync by measurement on 2 cores: gthread (2 or 3 workers x 4 threads) gave the one-row command
    # the same throughput within noise and a worse p99 at concurrency 32 (threads of one worker
    # contend for the GIL); its keep-alive only lifts the bare view and PING. See bench/README.md.
    parser.add_argument(
        "--worker-class", choices=["sync", "gthread"], default="sync", help="gunicorn worker class (default sync)"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated subset of {','.join(TARGETS)}")
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE", DEFAULT_DATABASE_NAME),
        help=f"PostgreSQL database to create and use (default $BENCH_DATABASE or {DEFAULT_DATABASE_NAME})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_SECONDS:g} s per cell at concurrency {TARGET_CONCURRENCY} only (for bench/run_all.py)",
    )
    parser.add_argument("--no-save", action="store_true", help="do not write the JSON results to bench/results/")
    arguments = parser.parse_args()
    if arguments.rounds < 1:
        parser.error("--rounds must be at least 1")
    if arguments.quick:
        arguments.seconds = QUICK_SECONDS
        arguments.concurrency = [TARGET_CONCURRENCY]
    arguments.targets = [target for target in TARGETS if target in arguments.targets.split(",")]
    if arguments.worker_class == "sync":
        arguments.threads = 1
    return arguments


def describe_setup(arguments: argparse.Namespace, conn_max_age: str) -> None:
    threads = f" x {arguments.threads} threads" if arguments.worker_class == "gthread" else ""
    print(f"machine: {machine_description()}; Python {platform.python_version()}")
    chosen = " (the default, chosen by measurement: see bench/README.md)" if arguments.worker_class == "sync" else ""
    print(
        f"server: gunicorn, {arguments.workers} {arguments.worker_class} workers{threads}{chosen}, DEBUG off,"
        f" LOG_LEVEL={LOG_LEVEL}, PostgreSQL {DATABASE_NAME}, DB_CONN_MAX_AGE={conn_max_age}"
    )
    print(
        "load: asyncio + aiohttp in this one process, one connection per concurrent client, sharing the"
        f" {os.cpu_count()} cores with gunicorn and PostgreSQL (CPU columns: gen = this generator, app = gunicorn,"
        " pg = the bench database's PostgreSQL processes, other = the rest of the machine)"
    )
    print(
        f"cells: {arguments.seconds:g} s timed in {arguments.rounds} phases interleaved across the targets, after"
        f" {WARMUP_SECONDS:g} s warm-up; bodies signed before each phase;"
        " errors = answers other than 200 and failed requests"
    )


def run_cells(arguments: argparse.Namespace, factory: RequestFactory, env: dict[str, str]) -> list[Cell]:
    """Start gunicorn, measure every (concurrency, target) cell, and stop gunicorn whatever happens."""
    log_dir = Path(tempfile.mkdtemp(prefix="guildhall-bench-"))
    server = start_server(
        env, workers=arguments.workers, worker_class=arguments.worker_class, threads=arguments.threads, log_dir=log_dir
    )
    cells: list[Cell] = []
    try:
        wait_until_ready(server, expected_workers=arguments.workers)
        asyncio.run(check_targets(server.base_url, factory))
        for concurrency in arguments.concurrency:
            print(
                f"  concurrency {concurrency}: {', '.join(arguments.targets)}, in {arguments.rounds} interleaved rounds ...",
                flush=True,
            )
            cells += measure_level(
                server.base_url,
                factory,
                arguments.targets,
                concurrency=concurrency,
                seconds=arguments.seconds,
                rounds=arguments.rounds,
                server_pid=server.process.pid,
            )
    except BenchmarkError as exc:
        raise BenchmarkError(f"{exc}\nlast lines of gunicorn's log:\n{server.log_tail()}") from None
    finally:
        stop_server(server)
        logged = server.log_tail(10)
        shutil.rmtree(log_dir, ignore_errors=True)
    if logged.strip():
        print(f"\nlast lines of gunicorn's log (level {LOG_LEVEL}):\n{logged}")
    bare = {cell.concurrency: cell.requests_per_second for cell in cells if cell.target == "bare"}
    floor = {cell.concurrency: cell.requests_per_second for cell in cells if cell.target == "floor"}
    for cell in cells:
        if bare.get(cell.concurrency):
            cell.ratio_to_bare = cell.requests_per_second / bare[cell.concurrency]
        if floor.get(cell.concurrency):
            cell.ratio_to_floor = cell.requests_per_second / floor[cell.concurrency]
    return cells


def main() -> int:
    global DATABASE_NAME
    arguments = parse_arguments()
    DATABASE_NAME = arguments.database
    started_at = datetime.now(UTC)
    signer = Signer()
    factory = RequestFactory(signer)
    env = server_environment(signer.public_key_hex)
    conn_max_age = env.get("DB_CONN_MAX_AGE", "60 (default)")
    describe_setup(arguments, conn_max_age)
    try:
        prepare_database(env)
    except subprocess.CalledProcessError as exc:
        print(f"setup failed: `{' '.join(exc.cmd[1:])}` exited with status {exc.returncode} (its error is above)")
        return 1
    try:
        cells = run_cells(arguments, factory, env)
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}")
        return 1

    print()
    print_table(cells)
    print()
    for line in caveats(cells):
        print(line)
    if not arguments.no_save:
        run = {
            "benchmark": "interactions",
            "started_at": started_at.isoformat(),
            "machine": machine_description(),
            "python": platform.python_version(),
            "server": {
                "workers": arguments.workers,
                "worker_class": arguments.worker_class,
                "threads": arguments.threads,
                "log_level": LOG_LEVEL,
                "db_conn_max_age": conn_max_age,
            },
            "seconds_per_cell": arguments.seconds,
            "rounds": arguments.rounds,
            "warmup_seconds": WARMUP_SECONDS,
            "cells": [cell_record(cell) for cell in cells],
            "figures": [asdict(item) for item in figures(cells)],
        }
        print(f"\nresults: {save_results(run, started_at).relative_to(PROJECT_DIR)}")
    report("interactions", figures(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
