"""bench/run_all.py: each benchmark in its own process, one table, and a row for every benchmark
that is missing, fails or writes no figures (never silently skipped). The benchmarks here are
small stand-in scripts that report through `bench.figures` as the real ones do."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bench import figures, run_all

PROJECT = Path(__file__).resolve().parents[2]

REPORTS = f"""
import sys
sys.path.insert(0, {str(PROJECT)!r})
from bench.figures import Figure, report
assert sys.argv[1:] == ["--quick"], sys.argv
report("{{name}}", [
    Figure("selector, median", "12.5 ms", "< 40 ms", True),
    Figure("answer", "31.0 KB", "< 20 KB", False),
    Figure("windows", "5048"),
])
"""


@pytest.fixture
def bench(tmp_path, monkeypatch) -> Path:
    """A bench directory of stand-in scripts, and a results directory of its own (the child
    processes find it through BENCH_RESULTS_DIR)."""
    results = tmp_path / "results"
    monkeypatch.setattr(figures, "RESULTS_DIR", results)
    monkeypatch.setenv("BENCH_RESULTS_DIR", str(results))
    directory = tmp_path / "bench"
    directory.mkdir()
    scripts = {
        "good": REPORTS.replace("{name}", "good"),
        "crashes": "import sys\nprint('connecting …')\nsys.exit('PostgreSQL is not running')\n",
        "silent": "print('measured, but reported nothing')\n",
        "slow": "import time\ntime.sleep(30)\n",
        "no_quick": "import argparse\nargparse.ArgumentParser().parse_args()\n",
    }
    for name, text in scripts.items():
        (directory / f"{name}.py").write_text(textwrap.dedent(text))
    return directory


def test_a_benchmark_that_reports_gives_its_figures_with_verdicts(bench):
    outcome = run_all.run_one("good", bench_dir=bench, timeout=60)
    assert outcome.problem == ""
    assert run_all.rows([outcome]) == [
        ("good", "selector, median", "12.5 ms", "< 40 ms", "PASS"),
        ("good", "answer", "31.0 KB", "< 20 KB", "MISS"),
        ("good", "windows", "5048", "", ""),
    ]
    assert (figures.RESULTS_DIR / "good-run.log").exists()


@pytest.mark.parametrize(
    ("name", "verdict", "problem"),
    [
        ("crashes", "FAILED", "exit 1: PostgreSQL is not running (log crashes-run.log)"),
        ("silent", "FAILED", "wrote no figures to silent-latest.json (log silent-run.log)"),
        ("no_quick", "FAILED", "exit 2: "),
        ("absent", "MISSING", "no script bench/absent.py"),
    ],
)
def test_a_benchmark_that_fails_or_is_missing_is_a_row_saying_so(bench, name, verdict, problem):
    outcome = run_all.run_one(name, bench_dir=bench, timeout=60)
    [row] = run_all.rows([outcome])
    assert row[0] == name and row[1] == "(no figures)" and row[4] == verdict
    assert row[2].startswith(problem)
    if name == "no_quick":
        assert "unrecognized arguments: --quick" in row[2]


def test_old_figures_do_not_stand_in_for_a_run_that_wrote_none(bench):
    figures.RESULTS_DIR.mkdir(parents=True)
    figures.latest_path("silent").write_text(
        json.dumps({"benchmark": "silent", "figures": [{"figure": "old", "value": "1 ms"}]})
    )
    outcome = run_all.run_one("silent", bench_dir=bench, timeout=60)
    assert outcome.verdict == "FAILED" and outcome.figures == []


def test_a_benchmark_over_its_time_is_stopped_and_reported(bench):
    outcome = run_all.run_one("slow", bench_dir=bench, timeout=1)
    assert (outcome.verdict, outcome.problem) == ("FAILED", "timed out after 1 s (log slow-run.log)")


def test_the_table_and_the_exit_status(bench, monkeypatch, capsys):
    monkeypatch.setattr(run_all, "BENCH_DIR", bench)
    monkeypatch.setattr(run_all, "BENCHMARKS", ["good", "crashes", "absent"])
    assert run_all.main(["--only", "good"]) == 0
    assert run_all.main(["--only", "good,crashes,absent"]) == 1
    out = capsys.readouterr().out
    table = out[out.rindex("benchmark") :].splitlines()
    assert table[0].split() == ["benchmark", "figure", "value", "target", "verdict"]
    assert [line.split()[0] for line in table[2:6]] == ["good", "good", "good", "crashes"]
    assert table[5].split()[-1] == "FAILED" and table[6].split()[-1] == "MISSING"
    assert table[-1] == "1 PASS, 1 MISS, 1 for information; crashes failed, absent missing"
    # --report-only runs nothing and reads what the last runs left.
    (bench / "good.py").unlink()
    assert run_all.main(["--report-only", "--only", "good"]) == 0
    assert "12.5 ms" in capsys.readouterr().out


def test_only_refuses_an_unknown_name(bench, monkeypatch):
    monkeypatch.setattr(run_all, "BENCHMARKS", ["good"])
    with pytest.raises(SystemExit) as exit_:
        run_all.main(["--only", "good,nonsense"])
    assert exit_.value.code == 2


def test_the_real_benchmarks_accept_quick_and_report():
    """Each benchmark script of this project is in the runner's list, takes --quick and ends with
    bench.figures.report under its own name (the runner reads nothing else)."""
    scripts = {path.stem for path in (PROJECT / "bench").glob("*.py")} - {
        "__init__",
        "environment",
        "figures",
        "run_all",
        "settings",
        "urls",
    }
    assert scripts <= set(run_all.BENCHMARKS), scripts - set(run_all.BENCHMARKS)
    for name in run_all.BENCHMARKS:
        text = " ".join((PROJECT / "bench" / f"{name}.py").read_text().split())
        assert '"--quick"' in text, name
        assert f'report( "{name}",' in text or f'report("{name}",' in text, name
