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
    return sum(check_text(c["functions"], c["output"], c["ground_truth"], c["category"], strict=True)[0].valid for c in cases)


def best_times(fns, cases: list[dict], repeat: int) -> list[tuple[float, int]]:
    """(best seconds, cases judged valid) per function; rounds alternate between the functions
    so that a busy machine slows each of them alike."""
    best = [float("inf")] * len(fns)
    valid = [0] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            valid[i] = fn(cases)
            best[i] = min(best[i], time.perf_counter() - start)
    return list(zip(best, valid))


def time_cli(path: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ray_toolace.cli", "check", "--input", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"ray-toolace check failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of our checker")
    args = parser.parse_args()
    warnings.simplefilter("ignore", SyntaxWarning)  # invalid escapes in some answers, read by both

    start = time.perf_counter()
    cases = build_cases(read_categories().samples, args.seed)
    print(f"built {len(cases)} cases in {time.perf_counter() - start:.2f}s")
    load()  # reading BFCL's source from the wheel is set-up, not checking

    (t_bfcl, valid_bfcl), (t_ours, valid_ours) = best_times([run_bfcl, run_ours], cases, args.repeat)
    if valid_bfcl != valid_ours:
        print(f"WARNING: BFCL accepts {valid_bfcl} cases, ours {valid_ours}: run tests/unit/test_bfcl_agreement.py")
    n = len(cases)
    print(f"(a) BFCL decoder + AST checker : {t_bfcl:6.2f}s  {n / t_bfcl:9,.0f} cases/s  ({valid_bfcl} valid)")
    print(f"(b) ours check_text(strict)    : {t_ours:6.2f}s  {n / t_ours:9,.0f} cases/s  ({valid_ours} valid)")
    print(f"    ratio ours/BFCL (speed)    : {t_bfcl / t_ours:6.2f}x")

    with tempfile.TemporaryDirectory() as tmp:
        path, empty = Path(tmp) / "cases.jsonl", Path(tmp) / "empty.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for case in cases:
                f.write(json.dumps(case, ensure_ascii=False) + "\n")
        empty.write_text("")
        t_start = min(time_cli(empty) for _ in range(args.repeat))
        t_cli = min(time_cli(path) for _ in range(args.repeat))
    print(f"(c) ray-toolace check (CLI)    : {t_cli:6.2f}s  {n / t_cli:9,.0f} cases/s  wall, of which start-up {t_start:.2f}s")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(run_ours, cases)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
