"""The method ablation: do ToolACE-R's three claims hold for the default model on this machine?

    python benchmarks/bench_method.py --config configs/bench_method.yaml [key=value ...]

One round from the base model, four trained arms and five evaluations, all on the same items:

    base          the base model, evaluated (first answer, adaptive refinement)
    probe         the base model answers every pool sample k times; selection; corpora
    selected      trained on the selected samples + the self-refinement records  (the method)
    selected_plain  trained on the selected samples only                           (claim b)
    random_plain  trained on a random subset of the pool, as many samples          (claim a)
    selected_fixed  the method's model refined with the fixed schedule             (claim c)

Every arm starts from the base model with the same training config; (a)'s two arms train the
same number of records. It prints one table (each arm's accuracy ± se, flips, model calls and
tokens per sample) and a verdict per claim with its paired 95% interval, and writes both to
`<run_dir>/ablation.md` and `ablation.json`. Every stage writes under the run directory and is
skipped when re-run, so an interrupted benchmark resumes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ARMS = ("selected", "selected_plain", "random_plain")


def table(arms: dict[str, list[dict]], sources: list[str]) -> str:
    from ray_toolace.core.ablation import answered, arm_figures

    head = ("| arm | source | n | first answer | after refinement | wrong->right | right->wrong "
            "| model calls | prompt tokens | generated tokens |\n|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for name, rows in arms.items():
        for source in sources + ["all"]:
            part = answered(rows, None if source == "all" else source)
            f = arm_figures(part)
            lines.append(f"| {name} | {source} | {f['n']} | {f['first'].format()} | {f['refined'].format()} | "
                         f"{f['wrong_to_right']} | {f['right_to_wrong']} | {f['model_calls']:.2f} | "
                         f"{f['prompt_tokens']:.0f} | {f['generated_tokens']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/bench_method.yaml")
    ap.add_argument("--from-run", help="a finished iterate run (e.g. runs/demo): reuse its config, base "
                    "evaluation, round-0 probe, selection, corpus and trained model as the 'selected' arm")
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()

    from ray_toolace import storage
    from ray_toolace.config import load_config
    from ray_toolace.core.ablation import claims
    from ray_toolace.core.corpus import build_corpus, ordinary_records, to_jsonl
    from ray_toolace.core.types import Sample
    from ray_toolace.core.selection import select
    from ray_toolace.stages.iterate import evaluate_model, probe_round
    from ray_toolace.stages.train_round import run_train_round

    source = storage.absolute(args.from_run) if args.from_run else None
    if source:
        from ray_toolace.config import Config

        run = storage.read_json(storage.join(source, "run.json"))
        cfg = Config.model_validate(run["config"])
        cfg.run_dir = storage.join(source, "ablation")
        for item in args.overrides:  # only where they do not change what is reused
            raise SystemExit(f"--from-run takes the run's own config; drop the override {item!r}")
    else:
        cfg = load_config(args.config, args.overrides)
    cfg.run_dir = run_dir = storage.absolute(cfg.run_dir)
    fmt = cfg.prompt.answer_format
    t0 = time.perf_counter()
    times: dict[str, float] = {}

    def timed(name, fn):
        start = time.perf_counter()
        out = fn()
        times[name] = time.perf_counter() - start
        print(f"[bench_method] {name}: {times[name]:.0f} s", flush=True)
        return out

    from ray_toolace.logs import connect_ray, setup

    setup(run_dir)  # progress on the console, Ray's and vLLM's logs under <run_dir>/logs/
    connect_ray()
    if source:
        base_table = storage.join(source, "eval-0", "table.parquet")
        rows = storage.read_parquet(storage.join(source, "round-0", "probe", "table.parquet")).to_pylist()
        reused = run["rounds"][0]["stages"]["train"]["result"]
    else:
        timed("eval base", lambda: evaluate_model(cfg, run_dir, "eval-base", None))
        base_table = storage.join(run_dir, "eval-base", "table.parquet")
        rows = storage.read_parquet(probe_round(cfg, run_dir, 0, None)["table"]).to_pylist()
    sel = select(rows, cfg.select, None, fmt=fmt)  # the same decisions the run made (seeded)
    answered_rows = [r for r in rows if r["status"] == "ok"]
    selected = [r for r in answered_rows if str(r["id"]) in sel.selected_ids]
    # the random arm: as many samples as selection kept, drawn from the whole answered pool
    random_rows = random.Random(cfg.select.seed).sample(answered_rows, len(selected))

    def samples(part):
        return [Sample.from_row(json.loads(r["sample"])) for r in part]

    corpora = {
        "selected": build_corpus(rows, sel.selected_ids, cfg.corpus, fmt, refine_ids=sel.refine_ids).records,
        "selected_plain": ordinary_records(samples(selected), fmt),
        "random_plain": ordinary_records(samples(random_rows), fmt),
    }
    base = cfg.model.name_or_path
    tables: dict[str, list[dict]] = {}
    trained: dict[str, dict] = {}
    for arm in ARMS:
        if source and arm == "selected":
            summary = reused
            table_uri = storage.join(source, "eval-1", "table.parquet")
        else:
            uri = storage.join(run_dir, arm, "corpus.jsonl")
            storage.write_text(uri, to_jsonl(corpora[arm]))
            summary = timed(f"train {arm}", lambda: run_train_round(cfg, uri, base, storage.join(run_dir, arm, "train"), 0))
            timed(f"eval {arm}", lambda: evaluate_model(cfg, run_dir, f"eval-{arm}", summary["model_dir"]))
            table_uri = storage.join(run_dir, f"eval-{arm}", "table.parquet")
        trained[arm] = {k: summary.get(k) for k in ("steps", "records", "origins", "train_seconds", "real_tokens_per_s")}
        tables[arm] = storage.read_parquet(table_uri).to_pylist()
        if arm == "selected":
            fixed = cfg.model_copy(deep=True)
            fixed.refine.schedule = "fixed"
            timed("eval selected_fixed", lambda: evaluate_model(fixed, run_dir, "eval-selected_fixed", summary["model_dir"]))
            tables["selected_fixed"] = storage.read_parquet(storage.join(run_dir, "eval-selected_fixed", "table.parquet")).to_pylist()
    tables = {"base": storage.read_parquet(base_table).to_pylist(), **tables}

    sources = sorted({r["source"] for r in tables["base"]})
    verdicts = claims(tables)
    wall = time.perf_counter() - t0
    lines = [
        "# Method ablation", "",
        "Command: `python benchmarks/bench_method.py " + (f"--from-run {args.from_run}`" if source else
                                                           f"--config {args.config} {' '.join(args.overrides)}".rstrip() + "`"), "",
        f"Pool: {len(rows)} training samples probed k={cfg.sampling.k}; selection: {sel.summary()['counts']}, "
        f"{sel.summary()['learning']} to learn + {sel.summary()['replay']} replayed = {len(selected)} selected. "
        f"Evaluation: {len(tables['base'])} items ({', '.join(sources)}), the same for every arm; "
        "accuracy is percent ± one standard error; intervals are 95%, paired on items.", "",
        "Training per arm: " + "; ".join(f"{a}: {t['records']} records, {t['steps']} steps, {t['origins']}" for a, t in trained.items()), "",
        table(tables, sources), "",
        "## Verdicts", "",
    ]
    for c in verdicts:
        lines += [f"- **{c['claim']}**: {c['verdict']}. {c['figure']}."]
    lines += ["", f"Wall time: {wall / 60:.1f} min (" + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()) + ")"]
    report = "\n".join(lines)
    storage.write_text(storage.join(run_dir, "ablation.md"), report + "\n")
    storage.write_json(storage.join(run_dir, "ablation.json"), {"claims": verdicts, "trained": trained, "times": times, "wall_seconds": wall,
                                                               "selection": sel.summary()})
    print(report)


if __name__ == "__main__":
    main()
