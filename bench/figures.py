"""The figures a benchmark reports, in one shape, so `bench/run_all.py` can print them in one table.

Every benchmark script ends by calling `report(name, figures)`: it prints the figures as a table
and writes them to `bench/results/<name>-latest.json`, which `run_all.py` reads after running the
script in its own process. A figure without a target is printed for information (verdict "").
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

# BENCH_RESULTS_DIR elsewhere keeps a run's results apart (the runner's own tests use it).
RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR") or Path(__file__).resolve().parent / "results")


@dataclass(frozen=True)
class Figure:
    figure: str  # what was measured, e.g. "selector (load + score), median"
    value: str  # the measured value with its unit, e.g. "31.2 ms"
    target: str = ""  # the target in words, e.g. "< 40 ms"; empty when there is none
    passed: bool | None = None  # None when there is no target

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return ""
        return "PASS" if self.passed else "MISS"


def table(figures: list[Figure]) -> str:
    rows = [("figure", "value", "target", "verdict")] + [
        (item.figure, item.value, item.target, item.verdict) for item in figures
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def latest_path(name: str) -> Path:
    return RESULTS_DIR / f"{name}-latest.json"


def report(name: str, figures: list[Figure]) -> Path:
    """Print the figures and keep them as the benchmark's latest result."""
    print()
    print(table(figures))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = latest_path(name)
    path.write_text(json.dumps({"benchmark": name, "figures": [asdict(item) for item in figures]}, indent=2) + "\n")
    return path


def load(name: str) -> list[Figure]:
    data = json.loads(latest_path(name).read_text())
    return [Figure(**item) for item in data["figures"]]
