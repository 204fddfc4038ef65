"""The whole ToolACE-R loop as one job: probe -> select -> corpus -> train -> evaluate, by rounds.

    python jobs/iterate.py --config configs/iterate.yaml
    ray job submit --working-dir . -- python jobs/iterate.py --config configs/iterate.yaml

Run directory (local or s3://):

    run.json                     the run manifest: rounds, each stage's status, outputs, metrics
    eval-0/                      the base model, evaluated before any training
    round-<t>/probe/             M_t answers every training sample k times (resumable by shard)
    round-<t>/selection.json     mastered / learnable / too hard, with the reason for each sample
    round-<t>/corpus.jsonl       ordinary + self-refinement records
    round-<t>/train/             Ray Train checkpoints, the round's model folder, round.json
    eval-<t+1>/                  M_{t+1} evaluated (greedy, then adaptive refinement)
    report.md, report.json, *.png  the run report, rewritten after every round

Each stage is recorded done in run.json only after its outputs are written, so a re-submitted
run skips finished stages and resumes the unfinished one (probe and eval by shard, training
from its last checkpoint). Stops when less than `iterate.min_change` of the pool entered or left
the selected set since the previous round, when nothing is left to learn, when held-out
accuracy stops improving, or at `iterate.max_rounds`.

Each stage records its fingerprint beside it (stages/fingerprints.py; a stage's includes the
digest of the one it reads from) and is skipped only under the same one: under a changed
configuration the run is refused, naming what changed, or with `resume: restart` that stage
and every one after it are done again. The driver holds the run directory's lease
(stages/lease.py) throughout. With `tracking.mlflow` the run is also one MLflow run with a nested
run per round (ray_toolace/tracking.py, fed from every run.json save).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Callable

from ray_toolace import storage
from ray_toolace.config import Config
from ray_toolace.core.corpus import build_corpus, to_jsonl
from ray_toolace.core.fingerprint import digest, fingerprint
from ray_toolace.core.selection import Decision, Selection, select
from ray_toolace.core.stop import stop_reason
from ray_toolace.engine.placement import engines_on_gpu, merges_lora
from ray_toolace.stages.fingerprints import generation_fields
from ray_toolace.stages.manifest import recorded_config, reuse_or_refuse
from ray_toolace.stages.probe import eval_config, run_probe
from ray_toolace.stages.train_round import run_train_round

log = logging.getLogger("ray_toolace.iterate")

HELDOUT_SOURCE = "generated"  # the held-out split's source; BFCL rows say "bfcl"


class RunManifest:
    """run.json: what each round did and whether each stage finished."""

    def __init__(self, run_dir: str, cfg: Config):
        self.path = storage.join(run_dir, "run.json")
        self.resume = cfg.resume
        self.on_save: Callable[[dict[str, Any]], None] | None = None  # tracking (ray_toolace/tracking.py)
        if storage.exists(self.path):
            self.data = storage.read_json(self.path)
            self.data["resumed"] = self.data.get("resumed", 0) + 1
        else:
            self.data = {"rounds": [], "evals": {}, "status": "running", "resumed": 0, "started_at": time.time()}
        self.data["config"] = recorded_config(cfg)
        self.save()

    def save(self) -> None:
        storage.write_json(self.path, self.data)
        if self.on_save is not None:
            self.on_save(self.data)

    def round(self, t: int) -> dict[str, Any]:
        while len(self.data["rounds"]) <= t:
            self.data["rounds"].append({"round": len(self.data["rounds"]), "stages": {}})
        return self.data["rounds"][t]

    def stage(self, where: dict[str, Any], name: str, fields: dict[str, Any], fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run `fn` unless this stage already finished under the fingerprint `fields`; record its
        result, fingerprint and digest when it does. A stage that finished under another
        fingerprint is refused or redone (`resume`), never reused."""
        fp = fingerprint(fields)
        done = where["stages"].get(name)
        label = f"round {where['round']}: {name}"
        if done and done.get("status") == "done" and reuse_or_refuse(done.get("fingerprint"), fp, self.resume, label, self.path):
            log.info("skip %s (done)", label)
            return done["result"]
        where["stages"][name] = {"status": "running", "started_at": time.time(), "fingerprint": fp, "digest": digest(fp)}
        self.save()
        log.info("%s", label)
        t0 = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t0
        log.info("%s done in %.0f s", label, seconds)
        where["stages"][name] = {"status": "done", "seconds": seconds, "finished_at": time.time(), "result": result,
                                 "fingerprint": fp, "digest": digest(fp)}
        self.save()
        _maybe_crash(f"round-{where['round']}/{name}")
        return result

    def digest(self, where: dict[str, Any], name: str) -> str | None:
        """The recorded digest of a stage's fingerprint: what the stages after it depend on."""
        return (where["stages"].get(name) or {}).get("digest")


def model_config(cfg: Config, model_dir: str | None) -> Config:
    """The config with the model of a round: a whole folder, or base + LoRA adapter (merged into
    a whole folder first where `engine.merge_lora` says so, see model/merge.py)."""
    c = cfg.model_copy(deep=True)
    if model_dir is None:
        return c
    from ray_toolace.train.model import adapter_base

    base = adapter_base(model_dir)
    # engines_on_gpu only when merge_lora leaves it open: it may connect to Ray
    if base and merges_lora(cfg.engine.merge_lora, cfg.engine.merge_lora is None and engines_on_gpu(cfg)):
        from ray_toolace.model.merge import merge_adapter

        merged = merge_adapter(model_dir)
        if merged:
            base, model_dir = None, merged
    if base:
        c.model.name_or_path, c.model.lora_adapter = base, model_dir
    else:
        c.model.name_or_path, c.model.lora_adapter = model_dir, None
    return c


def eval_run_config(cfg: Config, run_dir: str, name: str, model_dir: str | None) -> Config:
    """The config evaluating a round's model (None: the base model) into `<run_dir>/<name>/`."""
    c = eval_config(model_config(cfg, model_dir))
    c.run_dir, c.probe.output = run_dir, name
    return c


def evaluate_model(cfg: Config, run_dir: str, name: str, model_dir: str | None) -> dict[str, Any]:
    """Evaluate a round's model (None: the base model) into `<run_dir>/<name>/`; its metrics."""
    return _eval_metrics(run_probe(eval_run_config(cfg, run_dir, name, model_dir)))


def _eval_metrics(s: dict[str, Any]) -> dict[str, Any]:
    """The figures the report and the stop rule need, per source: before and after refinement."""
    out = {}
    for source, part in s["by_source"].items():
        ref = part.get("refinement")
        out[source] = {
            "accuracy": part["accuracy_by_category"],
            "overall": part["overall"],
            "refined_accuracy": ref["per_step"][-1]["by_category"] if ref else None,
            "refined_overall": ref["per_step"][-1]["overall"] if ref else None,
            "mean_model_calls": ref["mean_model_calls"] if ref else 1.0,
        }
    return out


def probe_run_config(cfg: Config, run_dir: str, t: int, model_dir: str | None) -> Config:
    """The config probing the training pool with round t's model into `<run_dir>/round-<t>/probe/`."""
    c = model_config(cfg, model_dir)
    c.run_dir = storage.join(run_dir, f"round-{t}")
    c.probe.split, c.probe.output, c.probe.refine = "train", "probe", False
    return c


def probe_round(cfg: Config, run_dir: str, t: int, model_dir: str | None) -> dict[str, Any]:
    """Probe the training pool with round t's model into `<run_dir>/round-<t>/probe/`."""
    c = probe_run_config(cfg, run_dir, t, model_dir)
    s = run_probe(c)
    return {"table": storage.join(c.run_dir, "probe", "table.parquet"), "summary": {k: s[k] for k in ("mean_pass_rate", "pass_at_k", "histogram", "answered", "rejects", "prompt_too_long")}}


def run_iterate(cfg: Config) -> dict[str, Any]:
    """Run (or resume) rounds until a stop rule fires; returns run.json's data. Holds the run
    directory's lease throughout."""
    from ray_toolace.stages.lease import run_lease

    cfg = cfg.model_copy(deep=True)
    cfg.run_dir = storage.absolute(cfg.run_dir)  # every path the run records is absolute
    with run_lease(cfg.run_dir):
        return _run_rounds(cfg, cfg.run_dir)


def _run_rounds(cfg: Config, run_dir: str) -> dict[str, Any]:
    from ray_toolace.stages.run_report import write_run_report
    from ray_toolace.tracking import open_tracker

    manifest = RunManifest(run_dir, cfg)
    tracker = open_tracker(cfg, run_dir)  # MLflow when tracking.mlflow: what each save records done
    manifest.on_save = tracker.sync
    tracker.sync(manifest.data)
    evals = manifest.data["evals"]
    base = manifest.data.setdefault("base", {"round": "base", "stages": {}})  # eval-0 is no round's
    c0 = eval_run_config(cfg, run_dir, "eval-0", None)
    t0 = time.perf_counter()
    metrics = manifest.stage(base, "eval", generation_fields(c0), lambda: _eval_metrics(run_probe(c0)))
    if "0" not in evals or evals["0"].get("metrics") != metrics:
        evals["0"] = {"model": cfg.model.name_or_path, "metrics": metrics, "seconds": time.perf_counter() - t0}
        manifest.save()
    model_dir: str | None = None  # None: the base model of the config
    previous = None
    previous_select = None  # selection reads the previous round's: its digest is an input too
    for t in range(cfg.iterate.max_rounds):
        rnd = manifest.round(t)
        rnd["model"] = model_dir or cfg.model.name_or_path
        cp = probe_run_config(cfg, run_dir, t, model_dir)
        # the model's content is in generation_fields: a retrained round model is a new probe
        probe = manifest.stage(rnd, "probe", generation_fields(cp), lambda: probe_round(cfg, run_dir, t, model_dir))
        rows = storage.read_parquet(probe["table"]).to_pylist()

        def _select() -> dict[str, Any]:
            sel = select(rows, cfg.select, previous, fmt=cfg.prompt.answer_format)
            summary = {k: v for k, v in sel.summary().items() if k != "excluded_reasons"}
            uri = storage.join(run_dir, f"round-{t}", "selection.json")
            storage.write_json(uri, {**summary, "decisions": sel.rows()})
            return {"uri": uri, **summary}

        select_fields = {"select": cfg.select.model_dump(), "answer_format": cfg.prompt.answer_format,
                         "after": [manifest.digest(rnd, "probe"), previous_select]}
        selection = manifest.stage(rnd, "select", select_fields, _select)
        decisions = storage.read_json(selection["uri"])["decisions"]
        previous, previous_select = decisions, manifest.digest(rnd, "select")
        reason = stop_reason("selected", t, selection.get("learning", selection["selected"]), selection.get("change_share", 1.0), min_change=cfg.iterate.min_change)
        if reason:
            manifest.data.update(status="done", stop_reason=reason)
            break

        def _corpus() -> dict[str, Any]:
            sel = Selection([Decision.from_row(d) for d in decisions], counts=selection["counts"])
            corpus = build_corpus(rows, sel.selected_ids, cfg.corpus, cfg.prompt.answer_format, refine_ids=sel.refine_ids)
            uri = storage.join(run_dir, f"round-{t}", "corpus.jsonl")
            storage.write_text(uri, to_jsonl(corpus.records))
            return {"uri": uri, "counts": corpus.counts, "records": len(corpus.records)}

        corpus_fields = {"corpus": cfg.corpus.model_dump(), "answer_format": cfg.prompt.answer_format,
                         "after": manifest.digest(rnd, "select")}
        corpus = manifest.stage(rnd, "corpus", corpus_fields, _corpus)
        train_out = storage.join(run_dir, f"round-{t}", "train")
        # run_train_round checks the corpus's and the base model's content itself
        train_fields = {"train": cfg.train.model_dump(exclude={"corpus", "output", "round"}), "after": manifest.digest(rnd, "corpus")}
        train = manifest.stage(
            rnd, "train", train_fields,
            lambda: _train_metrics(run_train_round(cfg, corpus["uri"], model_dir or cfg.model.name_or_path, train_out, t,
                                                   tracking=tracker.train_spec(t))),
        )
        model_dir = train["model_dir"]
        key = str(t + 1)
        ce = eval_run_config(cfg, run_dir, f"eval-{t + 1}", model_dir)
        evaluated = manifest.stage(rnd, "eval", {**generation_fields(ce), "after": manifest.digest(rnd, "train")},
                                   lambda: _eval_metrics(run_probe(ce)))
        evals[key] = {"model": model_dir, "metrics": evaluated}
        manifest.save()
        write_run_report(run_dir, manifest.data)
        tracker.report(t)
        before, after = evals[str(t)]["metrics"].get(HELDOUT_SOURCE), evals[key]["metrics"].get(HELDOUT_SOURCE)
        reason = stop_reason(
            "evaluated", t, selection.get("learning", selection["selected"]), selection.get("change_share", 1.0),
            before["overall"] if before else None, after["overall"] if after else None,
            cfg.iterate.max_rounds, cfg.iterate.min_gain, cfg.iterate.min_change,
        )
        if reason:
            manifest.data.update(status="done", stop_reason=reason)
            break
    else:
        manifest.data.update(status="done", stop_reason="max_rounds")
    manifest.data["finished_at"] = time.time()
    manifest.save()
    write_run_report(run_dir, manifest.data)
    tracker.finish(manifest.data)
    log.info("run finished: %s", manifest.data.get("stop_reason"))
    log.info("run report: %s", storage.join(run_dir, "report.md"))
    return manifest.data


def _train_metrics(summary: dict[str, Any]) -> dict[str, Any]:
    keep = ("model_dir", "steps", "loss", "real_tokens_per_s", "padded_tokens_per_s", "records", "origins", "train_seconds", "resumed_from", "method")
    return {k: summary[k] for k in keep if k in summary}


def _maybe_crash(stage: str) -> None:
    """Fault injection for resume tests: RAY_TOOLACE_CRASH_AFTER_STAGE=round-0/train kills the
    driver (no cleanup, like SIGKILL) right after that stage is recorded done."""
    if os.environ.get("RAY_TOOLACE_CRASH_AFTER_STAGE") == stage:
        os._exit(137)
