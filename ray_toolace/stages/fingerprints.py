"""The fingerprint each stage records: the config sections and contents that determine its output.

    probe_fields(cfg, samples)    # probe / evaluation shards: model, sampling, prompt, sample ids
    generation_fields(cfg)        # the same without the samples (the iterate loop's stage record)
    train_fields(cfg, base, records)

Only what changes a stage's output goes in: the engine's batch size or the number of engines
do not, the model's content, k, the temperature, max_tokens, the answer format and the samples
do. core/fingerprint.py compares two of them and names the fields that differ.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from ray_toolace import storage
from ray_toolace.config import Config
from ray_toolace.core.fingerprint import ids_digest
from ray_toolace.core.types import Sample
from ray_toolace.model.identity import file_digest, folder_digest, model_identity

# train settings that do not change the trained model: paths, logging, retries, checkpoint cadence
_TRAIN_NOT_OUTPUT = ("corpus", "output", "round", "log_every_steps", "max_failures", "checkpoint_every_steps", "cpus_per_worker")


def _model_fields(cfg: Config) -> dict[str, Any]:
    m = cfg.model
    return {"base": model_identity(m.name_or_path), "adapter": model_identity(m.lora_adapter),
            "max_model_len": m.max_model_len, "dtype": m.dtype}


def _specs(cfg: Config) -> dict[str, Any]:
    d = cfg.data
    if cfg.probe.split == "train":
        return {"inputs": list(d.train), "limit": d.limit, "limit_draw": getattr(d, "limit_draw", None), "seed": d.seed}
    return {"inputs": list(d.eval), "eval_limit": d.eval_limit, "seed": d.seed}


def input_identity(spec: str) -> str:
    """A named set (bundled:, bfcl:) is its name; a file or folder of files, its content (local)
    or its size and modification time (S3)."""
    if spec.startswith(("bundled:", "bfcl:")):
        return spec
    if storage.is_s3(spec):
        import pyarrow.fs as pafs

        fs, path = storage.filesystem(spec)
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.Directory:
            infos = fs.get_file_info(pafs.FileSelector(path, recursive=True))
            return ids_digest(f"{i.path}:{i.size}:{i.mtime_ns}" for i in sorted(infos, key=lambda i: i.path))
        return f"{info.size}:{info.mtime_ns}"
    if os.path.isdir(spec):
        return folder_digest(spec)
    return file_digest(spec)[:16] if os.path.isfile(spec) else "missing"


def generation_fields(cfg: Config) -> dict[str, Any]:
    """What a probe or an evaluation answers with, and on which inputs (by spec and content)."""
    specs = _specs(cfg)
    return {
        "model": _model_fields(cfg),
        "sampling": cfg.sampling.model_dump(),
        "engine": {"seed": cfg.engine.seed},
        "prompt": cfg.prompt.model_dump(),
        "refine": cfg.refine.model_dump() if cfg.probe.refine else None,
        "probe": {"split": cfg.probe.split, "refine": cfg.probe.refine, "shard_size": cfg.probe.shard_size},
        "data": {**specs, "content": [input_identity(s) for s in specs["inputs"]]},
    }


def probe_fields(cfg: Config, samples: list[Sample]) -> dict[str, Any]:
    """generation_fields plus the samples themselves: their ids in order and their content."""
    fields = generation_fields(cfg)
    rows = hashlib.sha256("\n".join(json.dumps(s.to_row(), sort_keys=True) for s in samples).encode()).hexdigest()[:16]
    fields["samples"] = {"n": len(samples), "ids": ids_digest(s.id for s in samples), "content": rows}
    return fields


def records_digest(records: list[dict[str, Any]]) -> str:
    return hashlib.sha256("\n".join(json.dumps(r, sort_keys=True, default=str) for r in records).encode()).hexdigest()[:16]


def train_fields(cfg: Config, base_model: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    train = {k: v for k, v in cfg.train.model_dump().items() if k not in _TRAIN_NOT_OUTPUT}
    return {"train": train, "base_model": model_identity(base_model),
            "corpus": {"records": len(records), "content": records_digest(records)}}
