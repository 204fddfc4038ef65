"""Speed of the checker against BFCL's own decoder + AST checker, in the same process.

Builds the ~33,000 cases of `ray_toolace.data.bfcl_cases` once (right and wrong answers over
BFCL's Python samples), then times over the same cases:
  (a) BFCL: its prompting decoder and AST checker through eval_runner's per-entry flow, read
      from the installed bfcl-eval wheel (tests/reference/bfcl_oracle.py);
  (b) ours: `ray_toolace.core.checker.check_text(..., strict=True)`;
  (c) the CLI end to end: `ray-toolace check --input cases.jsonl` as a subprocess, wall time
      including interpreter start (and, for scale, the same command on an empty file).
(a) and (b) take the best of --repeat alternating rounds. Prints cases/s for each and the ratio ours/BFCL;
--profile adds a cProfile of (b).

    python benchmarks/bench_check.py [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.reference lives beside the package

from ray_toolace.core.checker import check_text  # noqa: E402
from ray_toolace.core.formats.bfcl import read_categories  # noqa: E402
from ray_toolace.data.bfcl_cases import build_cases  # noqa: E402
from tests.reference.bfcl_oracle import bfcl_verdict, load  # noqa: E402


def run_bfcl(cases: list[dict]) -> int:
    return sum(bfcl_verdict(c["functions"], c["output"], c["ground_truth"], c["category"])[0] for c in cases)


def run_ours(cases: list[dict]) -> int:
    return sum(
        check_text(c["functions"], c["output"], c["ground_truth"], c["category"], strict=True)[0].valid for c in cases
    )


def best_times(fns, cases: list[dict], repeat: int) -> list[tuple[float, float, int]]:
    """(best wall seconds, best CPU seconds, cases judged valid) per function. Rounds alternate
    between the functions so that a busy machine slows each alike; CPU time is what to compare
    when other work shares the machine."""
    wall = [float("inf")] * len(fns)
    cpu = [float("inf")] * len(fns)
    valid = [0] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start, start_cpu = time.perf_counter(), time.process_time()
            valid[i] = fn(cases)
            wall[i] = min(wall[i], time.perf_counter() - start)
            cpu[i] = min(cpu[i], time.process_time() - start_cpu)
    return list(zip(wall, cpu, valid))


def time_cli(path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one `ray-toolace check` run."""
    before, start = os.times(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ray_toolace.cli", "check", "--input", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall, after = time.perf_counter() - start, os.times()
    if proc.returncode != 0:
        raise SystemExit(f"ray-toolace check failed ({proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def row(label: str, n: int, wall: float, cpu: float, note: str = "") -> str:
    return f"{label:<32} {wall:6.2f}s {n / wall:8,.0f}/s   {cpu:6.2f}s {n / cpu:8,.0f}/s  {note}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of our checker")
    args = parser.parse_args()
    warnings.simplefilter("ignore", SyntaxWarning)  # invalid escapes in some answers, read by both

    start = time.perf_counter()
    cases = build_cases(read_categories().samples, args.seed)
    n = len(cases)
    print(f"built {n} cases in {time.perf_counter() - start:.2f}s; best of {args.repeat} runs each")
    load()  # reading BFCL's source from the wheel is set-up, not checking

    (w_bfcl, c_bfcl, valid_bfcl), (w_ours, c_ours, valid_ours) = best_times([run_bfcl, run_ours], cases, args.repeat)
    if valid_bfcl != valid_ours:
        print(f"WARNING: BFCL accepts {valid_bfcl} cases, ours {valid_ours}: run tests/unit/test_bfcl_agreement.py")
    print(f"{'':<32} {'wall':>7} {'cases/s':>10}   {'cpu':>7} {'cases/s':>10}")
    print(row("(a) BFCL decoder + AST checker", n, w_bfcl, c_bfcl, f"{valid_bfcl} valid"))
    print(row("(b) ours: check_text(strict)", n, w_ours, c_ours, f"{valid_ours} valid"))
    print(f"{'    ratio ours/BFCL (speed)':<32} {w_bfcl / w_ours:6.2f}x {'':>10}   {c_bfcl / c_ours:6.2f}x")

    with tempfile.TemporaryDirectory() as tmp:
        path, empty = Path(tmp) / "cases.jsonl", Path(tmp) / "empty.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for case in cases:
                f.write(json.dumps(case, ensure_ascii=False) + "\n")
        empty.write_text("")
        megabytes = path.stat().st_size / 1e6
        start_wall, start_cpu = (min(t) for t in zip(*(time_cli(empty) for _ in range(args.repeat))))
        cli_wall, cli_cpu = (min(t) for t in zip(*(time_cli(path) for _ in range(args.repeat))))
    note = f"{megabytes:.0f} MB of JSON lines; start-up alone {start_wall:.2f}s wall"
    print(row("(c) ray-toolace check (CLI)", n, cli_wall, cli_cpu, note))

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(run_ours, cases)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
