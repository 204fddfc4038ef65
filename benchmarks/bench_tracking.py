"""What MLflow tracking costs an iterate round: the same round with tracking off and on, in pairs.

Runs `jobs/iterate.py` (one round: base evaluation, probe, selection, corpus, LoRA training,
evaluation of the trained model) as a fresh process per arm, in the order off, on, off, on, ...
(`--pairs`), each in a run directory of its own under `--out`, with the demo config scaled down
(`--scale` overrides below; any extra key=value is passed on). The tracked arm uses the default
store (SQLite under its run directory) unless `--uri` names a tracking server. It prints, per
pair, the wall time of each arm and their ratio, each stage's seconds, and what tracking itself
spent: the driver's seconds in its hooks (`tracking.json`, metric `tracking/driver_seconds`) and
rank 0's seconds in per-step logging (metric `tracking/step_seconds`), which the wall-time ratio
cannot resolve on a noisy machine.

    python benchmarks/bench_tracking.py                      # SmolLM2-135M, 1 pair, ~15 min on 2 cores
    python benchmarks/bench_tracking.py --pairs 2 --uri http://127.0.0.1:5000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("eval-base", "probe", "select", "corpus", "train", "eval")
SCALE = ["data.limit=16", "data.eval=[bundled:heldout]", "data.eval_limit=2", "sampling.k=2",
         "refine.max_refinements=1", "iterate.max_rounds=1"]


def stage_seconds(run_dir: Path) -> dict[str, float]:
    data = json.loads((run_dir / "run.json").read_text())
    out = {"eval-base": data["base"]["stages"]["eval"]["seconds"]}
    for name, entry in data["rounds"][0]["stages"].items():
        out[name] = entry["seconds"]
    return out


def tracking_cost(run_dir: Path, uri: str | None) -> dict[str, float]:
    from mlflow import MlflowClient

    from ray_toolace.tracking import PARENT_TAG, default_store

    uri = uri or default_store(str(run_dir))[0]
    state = json.loads((run_dir / "tracking.json").read_text())[uri]
    client = MlflowClient(tracking_uri=uri)
    child = client.get_run(state["rounds"]["0"])
    assert child.data.tags[PARENT_TAG] == state["run_id"]
    steps = client.get_metric_history(child.info.run_id, "tracking/step_seconds")
    # each step logs what logging cost before it; the last call's own cost is about the mean
    step_total = steps[-1].value * len(steps) / max(len(steps) - 1, 1) if steps else 0.0
    return {"driver": state["seconds"], "steps": len(steps), "step_logging": step_total}


def run_arm(out: Path, name: str, tracked: bool, uri: str | None, extra: list[str]) -> dict:
    run_dir = out / name
    args = [sys.executable, "jobs/iterate.py", "--config", "configs/demo.yaml", f"run_dir={run_dir}", *SCALE, *extra]
    if tracked:
        args += ["tracking.mlflow=true", f"tracking.experiment=bench-tracking-{os.getpid()}"]
        if uri:
            args.append(f"tracking.uri={uri}")
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}  # a local Ray per arm, as `make demo`
    t0 = time.perf_counter()
    with open(out / f"{name}.log", "w") as log:
        done = subprocess.run(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{name} failed (exit {done.returncode}); see {out / f'{name}.log'}")
    arm = {"name": name, "tracked": tracked, "wall": wall, "stages": stage_seconds(run_dir)}
    if tracked:
        arm["tracking"] = tracking_cost(run_dir, uri)
    print(f"{name}: {wall:.0f} s", flush=True)
    return arm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1)
    ap.add_argument("--uri", help="an MLflow tracking server for the tracked arm (default: SQLite in its run dir)")
    ap.add_argument("--out", help="where the run directories go (default: a temporary directory)")
    ap.add_argument("overrides", nargs="*", help="key=value on top of the scaled-down demo config")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-tracking-")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    print(f"run directories and logs: {out}", flush=True)

    pairs = []
    for i in range(args.pairs):  # A B A B: off then on, so drift in the machine's load hits both
        pairs.append((run_arm(out, f"off-{i}", False, args.uri, args.overrides),
                      run_arm(out, f"on-{i}", True, args.uri, args.overrides)))

    lines = ["| pair | arm | wall s | " + " | ".join(STAGES) + " | tracking: driver s | tracking: step logging s |",
             "|---|---|---|" + "---|" * len(STAGES) + "---|---|"]
    for i, (off, on) in enumerate(pairs):
        for arm in (off, on):
            cost = arm.get("tracking")
            lines.append(f"| {i} | {'on' if arm['tracked'] else 'off'} | {arm['wall']:.1f} | "
                         + " | ".join(f"{arm['stages'].get(s, 0.0):.1f}" for s in STAGES)
                         + (f" | {cost['driver']:.2f} | {cost['step_logging']:.2f} ({cost['steps']} steps) |" if cost else " | - | - |"))
    ratios = [on["wall"] / off["wall"] for off, on in pairs]
    own = [(on["tracking"]["driver"] + on["tracking"]["step_logging"]) / on["wall"] for _, on in pairs]
    summary = (f"wall time on / off per pair: {', '.join(f'{r:.3f}' for r in ratios)} (median {statistics.median(ratios):.3f}); "
               f"tracking's own seconds, share of the tracked round's wall: "
               f"{', '.join(f'{100 * s:.2f}%' for s in own)}")
    text = "\n".join(lines) + "\n\n" + summary
    print(text)
    (out / "bench_tracking.md").write_text(text + "\n")
    (out / "bench_tracking.json").write_text(json.dumps({"pairs": pairs, "ratios": ratios, "own_share": own}, indent=1))


if __name__ == "__main__":
    main()
