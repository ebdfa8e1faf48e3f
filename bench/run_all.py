"""Run every benchmark with its short defaults and print one table of all their figures.

Run from the project directory:

    .venv/bin/python bench/run_all.py                          # every benchmark, each with --quick
    .venv/bin/python bench/run_all.py --only best_slot,reminders
    .venv/bin/python bench/run_all.py --report-only            # the table of the latest results

Each benchmark (`bench/<name>.py`) runs in its own process as `<python> bench/<name>.py --quick`,
one after the other (they would disturb each other's figures side by side), with its output in
`bench/results/<name>-run.log`. Each ends with `bench.figures.report(name, ...)`, which writes
`bench/results/<name>-latest.json`; this script reads those files and prints one table:
benchmark, figure, value, target, verdict (PASS / MISS, empty for a figure printed for
information). A benchmark that is missing, fails (non-zero exit, or over `--timeout`), or exits
without writing fresh figures is a row saying so, never left out. The exit status is 1 when one
did, else 0 (a MISS is a figure, not a failure).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))

from bench import figures  # noqa: E402

BENCHMARKS = ["interactions", "reminders", "best_slot", "ticket_stats", "outbox"]
HEADER = ("benchmark", "figure", "value", "target", "verdict")


@dataclass
class Outcome:
    name: str
    figures: list[figures.Figure]
    problem: str = ""  # why there are no figures: missing, failed, timed out, wrote none
    verdict: str = ""  # MISSING or FAILED when there is a problem
    seconds: float = 0.0


def _last_line(path: Path, limit: int = 120) -> str:
    """The log's last non-empty line (an error message, a traceback's exception), shortened."""
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    last = lines[-1] if lines else "(no output)"
    return last if len(last) <= limit else last[: limit - 1] + "…"


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the benchmark's process group (its cleanup runs), SIGKILL after 10 s."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def run_one(name: str, *, bench_dir: Path, timeout: float, python: str = sys.executable) -> Outcome:
    """Run `bench_dir/<name>.py --quick` in its own process and read the figures it wrote."""
    script = bench_dir / f"{name}.py"
    if not script.exists():
        return Outcome(name, [], f"no script {script.relative_to(bench_dir.parent)}", "MISSING")
    results = figures.latest_path(name)
    before = results.stat().st_mtime_ns if results.exists() else None
    figures.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    log = figures.RESULTS_DIR / f"{name}-run.log"
    began = time.perf_counter()
    with log.open("w") as output:
        # Its own process group: on a timeout the benchmark's own children (gunicorn, dispatcher
        # processes) stop with it.
        process = subprocess.Popen(
            [python, str(script), "--quick"],
            cwd=bench_dir.parent,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop_group(process)
            seconds = time.perf_counter() - began
            return Outcome(name, [], f"timed out after {timeout:g} s (log {log.name})", "FAILED", seconds)
    seconds = time.perf_counter() - began
    if process.returncode != 0:
        return Outcome(name, [], f"exit {process.returncode}: {_last_line(log)} (log {log.name})", "FAILED", seconds)
    if not results.exists() or results.stat().st_mtime_ns == before:
        return Outcome(name, [], f"wrote no figures to {results.name} (log {log.name})", "FAILED", seconds)
    return read_one(name, seconds=seconds)


def read_one(name: str, *, seconds: float = 0.0) -> Outcome:
    """The figures of the benchmark's latest result, or a row saying why there are none."""
    try:
        found = figures.load(name)
    except FileNotFoundError:
        return Outcome(name, [], f"no results ({figures.latest_path(name).name})", "MISSING", seconds)
    except (ValueError, KeyError, TypeError) as error:
        return Outcome(name, [], f"unreadable results: {error}", "FAILED", seconds)
    return Outcome(name, found, seconds=seconds)


def rows(outcomes: list[Outcome]) -> list[tuple[str, str, str, str, str]]:
    table = []
    for outcome in outcomes:
        if outcome.problem:
            table.append((outcome.name, "(no figures)", outcome.problem, "", outcome.verdict))
        for item in outcome.figures:
            table.append((outcome.name, item.figure, item.value, item.target, item.verdict))
    return table


def render(table: list[tuple[str, ...]]) -> str:
    every = [HEADER, *table]
    widths = [max(len(row[column]) for row in every) for column in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in every]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def summary(outcomes: list[Outcome]) -> str:
    verdicts = [item.verdict for outcome in outcomes for item in outcome.figures]
    broken = [f"{outcome.name} {outcome.verdict.lower()}" for outcome in outcomes if outcome.problem]
    text = f"{verdicts.count('PASS')} PASS, {verdicts.count('MISS')} MISS, {verdicts.count('')} for information"
    return text + (f"; {', '.join(broken)}" if broken else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated names among {', '.join(BENCHMARKS)}")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per benchmark (default 900)")
    parser.add_argument("--report-only", action="store_true", help="run nothing; print the latest results")
    args = parser.parse_args(argv)
    names = BENCHMARKS
    if args.only:
        names = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = [name for name in names if name not in BENCHMARKS]
        if unknown or not names:
            parser.error(f"--only takes names among {', '.join(BENCHMARKS)} (got {args.only!r})")
    outcomes = []
    for name in names:
        if args.report_only:
            outcomes.append(read_one(name))
            continue
        print(f"running {name} --quick …", flush=True)
        outcome = run_one(name, bench_dir=BENCH_DIR, timeout=args.timeout)
        print(f"  {outcome.verdict.lower() or 'done'} in {outcome.seconds:.1f} s", flush=True)
        outcomes.append(outcome)
    print()
    print(render(rows(outcomes)))
    print()
    print(summary(outcomes))
    return 1 if any(outcome.problem for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
