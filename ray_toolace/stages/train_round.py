"""The train_round stage: one round of SFT on a corpus with Ray Train (TorchTrainer, FSDP2).

    summary = run_train_round(cfg, "runs/x/round-0/corpus.jsonl", "smollm2-135m", "runs/x/round-0", 0)
    summary = train_round_from_config(cfg)       # what jobs/train_round.py runs

Writes under `out_uri` (a local path or s3://):

    model/             the Hugging Face folder: a whole model (full) or a peft adapter (lora)
    round.json         metrics: loss per step, real and padded tokens/s, steps, resume points, time,
                       and `root_base`: the whole model under the adapters (its content digest)
    round-<i>/         Ray Train's run folder: checkpoints and its checkpoint snapshot

Resume: the run's name and storage folder are fixed by `out_uri` and the round index, so a
round submitted again after its driver was killed finds Ray Train's snapshot there, and
`ray.train.get_checkpoint()` hands every worker the latest checkpoint (Ray Train V2 restores a
run from `RunConfig(storage_path, name)`). Worker failures inside one submission are retried
up to `train.max_failures` times from the same checkpoints. A round whose round.json exists is
done and is not trained again.

Both the skip and the resume hold only for the same fingerprint (`fingerprint.json`, written
before training starts: the train settings that shape the model, the base model's content, the
corpus's content; stages/fingerprints.py). Under another one the round is refused, naming what
changed, or with `resume: restart` its folder is cleared, checkpoints included, and it trains
afresh. The driver holds the round folder's lease (stages/lease.py) while it trains.

Fault injection for tests: with RAY_TOOLACE_CRASH_AFTER_STEPS=N the workers pause after the
first checkpoint at or past step N, and this driver kills itself (exit 137, no cleanup) as
soon as Ray Train has recorded that checkpoint.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from typing import Any

from ray_toolace import storage
from ray_toolace.config import Config
from ray_toolace.core.fingerprint import fingerprint
from ray_toolace.stages.fingerprints import train_fields
from ray_toolace.stages.manifest import reuse_or_refuse

log = logging.getLogger("ray_toolace.train_round")

SNAPSHOT = "checkpoint_manager_snapshot.json"  # Ray Train V2's record of reported checkpoints
CRASH_ENV = "RAY_TOOLACE_CRASH_AFTER_STEPS"
FINGERPRINT = "fingerprint.json"


def load_records(source: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Corpus records from a list, a JSON-lines file or a Parquet file (local or s3://)."""
    if not isinstance(source, str):
        return list(source)
    if source.endswith(".parquet"):
        return storage.read_parquet(source).to_pylist()
    return [json.loads(line) for line in storage.read_text(source).splitlines() if line.strip()]


def recorded_step(snapshot_uri: str) -> int:
    """The newest step checkpoint Ray Train's controller has recorded in its snapshot file (0: none).
    A checkpoint a worker reported counts only from then: a worker dying before the controller
    polls it takes the checkpoint with it."""
    if not storage.exists(snapshot_uri):
        return 0
    return max(map(int, re.findall(r"step-(\d{6})", storage.read_text(snapshot_uri))), default=0)


def _watch_for_crash(snapshot_uri: str, after_step: int) -> None:
    """Exit this process, like a SIGKILL, once Ray Train has recorded a checkpoint at or past
    `after_step`."""

    def watch() -> None:
        while True:
            step = recorded_step(snapshot_uri)
            if step >= after_step:
                log.warning("fault injection: killing the driver after checkpoint step %d", step)
                os._exit(137)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def _copy_tree(checkpoint, sub: str, dest_uri: str) -> None:
    import pyarrow.fs as pafs

    dest_fs, dest_path = storage.filesystem(dest_uri)
    if not storage.is_s3(dest_uri) and os.path.isdir(dest_path):
        import shutil

        shutil.rmtree(dest_path)  # a copy cut short by an earlier crash
    storage.makedirs(dest_uri)
    pafs.copy_files(
        f"{checkpoint.path}/{sub}", dest_path,
        source_filesystem=checkpoint.filesystem, destination_filesystem=dest_fs,
    )


def run_train_round(
    cfg: Config,
    corpus_path_or_records: str | list[dict[str, Any]],
    base_model: str | None,
    out_uri: str,
    round_index: int = 0,
    tracking: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Train one round; returns the round.json summary (also written under `out_uri`).
    `tracking`: the MLflow run rank 0 logs each step to (ray_toolace/tracking.py), or None."""
    from ray_toolace.stages.lease import LEASE_FILES, run_lease

    records = load_records(corpus_path_or_records)
    if not records:
        raise ValueError("the training corpus is empty")
    run_name = f"round-{round_index}"
    with run_lease(out_uri):
        summary_uri = storage.join(out_uri, "round.json")
        fields = train_fields(cfg, base_model or cfg.model.name_or_path, records)
        if not settle_round(out_uri, run_name, fields, cfg.resume, round_index):
            # Ray Train would otherwise resume the old checkpoints
            storage.clear_dir(out_uri, keep=LEASE_FILES)
        elif storage.exists(summary_uri):
            log.info("round %d already trained: %s", round_index, summary_uri)
            return storage.read_json(summary_uri)
        storage.write_json(storage.join(out_uri, FINGERPRINT), fingerprint(fields))
        return _train(cfg, records, base_model, out_uri, round_index, run_name, summary_uri, tracking)


def settle_round(out_uri: str, run_name: str, fields: dict[str, Any], resume: str, round_index: int) -> bool:
    """Whether what `out_uri` holds (a finished round, or checkpoints to resume) may be kept:
    True when it was trained under `fields` or there is nothing; False when it was not and
    `resume` is "restart"; raises ManifestMismatch when it was not and `resume` is "refuse"."""
    fp_uri = storage.join(out_uri, FINGERPRINT)
    recorded = storage.read_json(fp_uri) if storage.exists(fp_uri) else None
    started = recorded is not None or any(storage.exists(storage.join(out_uri, p)) for p in ("round.json", run_name))
    if not started:
        return True
    return reuse_or_refuse(recorded, fields, resume, f"training round {round_index}", out_uri)


def _train(cfg: Config, records: list[dict[str, Any]], base_model: str | None, out_uri: str, round_index: int,
           run_name: str, summary_uri: str, tracking: dict[str, str] | None = None) -> dict[str, Any]:
    import ray
    from ray.train import CheckpointConfig, FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    from ray_toolace.model.identity import model_identity
    from ray_toolace.model.resolve import resolve_model
    from ray_toolace.train.loop import STATE_FILE, train_loop_per_worker
    from ray_toolace.train.model import adapter_base

    if not ray.is_initialized():
        ray.init(logging_level=logging.WARNING)
    base = resolve_model(base_model or cfg.model.name_or_path, cfg.model.cache_dir)
    tcfg = cfg.train
    fs, root = storage.filesystem(out_uri)
    storage.makedirs(out_uri)
    crash_after = os.environ.get(CRASH_ENV)
    loop_config = {
        "train": tcfg.model_dump(),
        "base_model": base,
        "records": ray.put(records),  # shipped once through the object store, not per worker
        "hold_after_step": int(crash_after) if crash_after else None,
        "tracking": tracking,
    }
    trainer = TorchTrainer(
        train_loop_per_worker,
        train_loop_config=loop_config,
        scaling_config=ScalingConfig(num_workers=tcfg.num_workers, use_gpu=tcfg.use_gpu,
                                     resources_per_worker={"CPU": tcfg.cpus_per_worker, **({"GPU": 1} if tcfg.use_gpu else {})}),
        run_config=RunConfig(
            name=run_name,
            storage_path=root,
            storage_filesystem=fs if storage.is_s3(out_uri) else None,
            # the newest checkpoint is all a resume needs; one more covers a crash mid-upload
            checkpoint_config=CheckpointConfig(num_to_keep=2),
            failure_config=FailureConfig(max_failures=tcfg.max_failures),
        ),
    )
    if crash_after:
        _watch_for_crash(storage.join(out_uri, run_name, SNAPSHOT), int(crash_after))

    log.info("round %d: %d records, %s on %s, %d workers", round_index, len(records), tcfg.method, base, tcfg.num_workers)
    t0 = time.perf_counter()
    result = trainer.fit()
    wall = time.perf_counter() - t0
    checkpoint = result.checkpoint
    if checkpoint is None:
        raise RuntimeError(f"round {round_index} reported no final checkpoint")
    with checkpoint.as_directory() as directory:
        state = json.loads(open(os.path.join(directory, STATE_FILE), encoding="utf-8").read())
    model_uri = storage.join(out_uri, "model")
    _copy_tree(checkpoint, "export", model_uri)

    history = state["history"]
    seconds = state["train_seconds"] or float("nan")
    summary = {
        "round": round_index,
        "method": tcfg.method,
        "base_model": base,
        # the whole model under every adapter of the run (a round-1 adapter continues round 0's,
        # both on the same weights): the endpoint serves a round only on these weights
        "root_base": model_identity(adapter_base(base) or base),
        "model_dir": model_uri,
        "steps": state["step"],
        "resumed_from": state["resumed_from"],  # the step each attempt started at
        "loss": [h["loss"] for h in history],
        "lr": [h["lr"] for h in history],
        "records": len(records),
        "origins": _origins(records),
        "sequences": state["sequences"],
        "dropped_too_long": state["dropped_too_long"],
        "real_tokens": state["real_tokens"],
        "padded_tokens": state["slot_tokens"],
        "real_tokens_per_s": state["real_tokens"] / seconds,
        "padded_tokens_per_s": state["slot_tokens"] / seconds,
        "train_seconds": state["train_seconds"],
        "wall_seconds": wall,  # this submission only
        "num_workers": state["world_size"],
        "packing": tcfg.packing,
        "precision": state["precision"],  # bf16 asked for falls back to fp32 on CPUs without bf16
        "checkpoint": checkpoint.path,
        "train_config": tcfg.model_dump(),
    }
    storage.write_json(summary_uri, summary)  # written last: its presence means the round is done
    log.info("round %d: %d steps, loss %.4f -> %.4f, %.0f real tok/s", round_index, summary["steps"],
             summary["loss"][0] if summary["loss"] else float("nan"), summary["loss"][-1] if summary["loss"] else float("nan"),
             summary["real_tokens_per_s"])
    return summary


def _origins(records: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in records:
        origin = str(r.get("origin") or "ordinary")
        counts[origin] = counts.get(origin, 0) + 1
    return counts


def train_round_from_config(cfg: Config) -> dict[str, Any]:
    """The job's defaults: corpus `train.corpus` (else every `data.train` sample as an ordinary
    record, for plain SFT without a probe), base `model.name_or_path`, output
    `train.output` (else `<run_dir>/round-<train.round>`)."""
    import ray

    if not ray.is_initialized():
        ray.init(logging_level=logging.WARNING)
    corpus: str | list[dict[str, Any]]
    if cfg.train.corpus:
        corpus = cfg.train.corpus
    else:
        from ray_toolace.core.corpus import ordinary_records
        from ray_toolace.stages.inputs import training_inputs

        corpus = ordinary_records(training_inputs(cfg).samples, cfg.prompt.answer_format)
    out = cfg.train.output or storage.join(cfg.run_dir, f"round-{cfg.train.round}")
    return run_train_round(cfg, corpus, cfg.model.name_or_path, out, cfg.train.round)
