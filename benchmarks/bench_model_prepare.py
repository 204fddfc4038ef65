"""Time `prepare_default_model`: a cold conversion into a fresh temp cache, then a warm reuse.

    python benchmarks/bench_model_prepare.py            # one cold run, then 5 warm calls
    python benchmarks/bench_model_prepare.py --warm 20

The cold figure includes importing torch and transformers, as the first `ray-toolace model
prepare` on a machine does; the warm figure is what every later caller (a Ray worker resolving
``smollm2-135m``) pays. The ratio is cold over warm. The temp cache is deleted afterwards.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from ray_toolace.model.prepare import prepare_default_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warm", type=int, default=5, help="warm calls to time after the cold one")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench_model_prepare-"))
    try:
        started = time.perf_counter()
        folder = prepare_default_model(cache_dir=root)
        cold = time.perf_counter() - started

        warm_times = []
        for _ in range(args.warm):
            started = time.perf_counter()
            prepare_default_model(cache_dir=root)
            warm_times.append(time.perf_counter() - started)
        warm = statistics.median(warm_times)

        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"cold prepare: {cold:8.2f} s  (folder {size_mb:.0f} MB)")
        print(f"warm prepare: {warm * 1e3:8.3f} ms (median of {args.warm})")
        print(f"cold / warm:  {cold / warm:,.0f}x")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
