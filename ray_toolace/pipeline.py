"""The demo pipeline on the embedded default: probe the training pool, then evaluate.

    python jobs/demo.py --config configs/demo.yaml      (what `make demo` runs)

Probing scores how capable the model is on each training sample (k sampled answers); the
evaluation answers the held-out split and BFCL greedily, then refines each answer adaptively,
and reports accuracy after every refinement step.
"""

from __future__ import annotations

import logging

from ray_toolace.config import Config
from ray_toolace.stages.probe import run_probe

log = logging.getLogger("ray_toolace.demo")


def run_demo(cfg: Config) -> dict:
    probe_cfg = cfg.model_copy(deep=True)
    probe_cfg.probe.split = "train"
    log.info("probing %s on %s (k=%d)", cfg.model.name_or_path, ", ".join(cfg.data.train), cfg.sampling.k)
    probe = run_probe(probe_cfg)

    eval_cfg = cfg.model_copy(deep=True)
    eval_cfg.probe.split = "eval"
    eval_cfg.probe.refine = cfg.refine.max_refinements > 0
    eval_cfg.sampling.k = 1
    eval_cfg.sampling.temperature = 0.0
    log.info("evaluating on %s", ", ".join(cfg.data.eval))
    evaluation = run_probe(eval_cfg)
    return {"probe": probe, "eval": evaluation}
