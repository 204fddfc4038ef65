"""The probe stage: every sample answered k times by vLLM in Ray actors, every answer checked.

    summary = run_probe(cfg)          # cfg.probe.split = "train" (probe) or "eval" (evaluate)

Wiring: inputs are read and parsed by Ray Data tasks; the pending samples go through
`map_batches` over an actor pool of `ProbeWorker`s, each holding one vLLM engine loaded once
(an actor pool rather than `ray.data.llm`'s processor, because that renders chat templates
without tools and cannot run the refinement loop, which needs several engine calls per sample).
A worker drives core's `RefineLoop`s with `run_batch`: one engine call for the batch's first
answers (k each), then, in evaluation, one per refinement round across the samples still
refining (`refine.schedule`: adaptive or fixed). Whether engines get GPUs is
engine/placement.py's rule.
The driver gathers result rows by shard and writes each shard once all its rows are in, with a
manifest; a re-run with the same run directory skips finished shards when its fingerprint
(stages/fingerprints.py) matches, and is refused, naming what changed, when it does not.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pyarrow as pa

from ray_toolace import storage
from ray_toolace.config import Config
from ray_toolace.core.parsers import get_parser
from ray_toolace.core.probe_table import accuracy_table, probe_row, summarize, too_long_row
from ray_toolace.core.refine import RefineLoop, run_batch
from ray_toolace.core.types import Sample
from ray_toolace.engine.placement import actor_resources, engines_on_gpu  # engines_on_gpu: stages import it from here
from ray_toolace.stages.inputs import evaluation_inputs, training_inputs

log = logging.getLogger("ray_toolace.probe")

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("category", pa.string()),
        ("source", pa.string()),
        ("shard", pa.int64()),
        ("status", pa.string()),
        ("sample", pa.string()),
        ("answers", pa.list_(pa.string())),
        ("valid", pa.list_(pa.bool_())),
        ("error_types", pa.list_(pa.string())),
        ("pass_rate", pa.float64()),
        ("pass_at_k", pa.bool_()),
        ("prompt_tokens", pa.int64()),
        ("completion_tokens", pa.int64()),
        ("refine_valid", pa.list_(pa.bool_())),
        ("model_calls", pa.int64()),
        ("stop_reason", pa.string()),
        ("refine_trace", pa.string()),
        ("refine_prompt_tokens", pa.int64()),  # the refinement calls; prompt_tokens is the first call's
        ("refine_completion_tokens", pa.int64()),
        ("gen_seconds", pa.float64()),
        ("engine_start_seconds", pa.float64()),
    ]
)


class ProbeWorker:
    """A Ray Data actor: one vLLM engine, loaded once, answering batches of samples."""

    def __init__(self, cfg_json: str, model_path: str, use_gpu: bool = False):
        from ray_toolace.engine.vllm_engine import Engine

        self.cfg = Config.model_validate_json(cfg_json)
        start = time.perf_counter()
        self.engine = Engine(model_path, self.cfg.model, self.cfg.engine, lora_path=self.cfg.model.lora_adapter, use_gpu=use_gpu)
        self.start_seconds = time.perf_counter() - start  # reported once, with the first batch
        self.parser = get_parser(self.cfg.prompt.answer_format, strict=self.cfg.prompt.strict_parse)

    def __call__(self, batch: pa.Table) -> pa.Table:
        from ray_toolace.stages.multi_turn import MULTI_TURN, answer_entries

        every = batch.to_pylist()
        rows = [r for r in every if r.get("kind") != MULTI_TURN]
        out = self._answer_samples(rows) if rows else []
        out += answer_entries([r for r in every if r.get("kind") == MULTI_TURN], self._generate, self.parser,
                              self.cfg.prompt.answer_format)
        for i, result in enumerate(out):
            result["engine_start_seconds"] = self.start_seconds if i == 0 else 0.0
        self.start_seconds = 0.0
        return pa.Table.from_pylist(out, schema=SCHEMA)

    def _answer_samples(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        cfg = self.cfg
        samples = [Sample.from_row(json.loads(r["sample"])) for r in rows]
        loops = [self._loop(s) for s in samples]
        start = time.perf_counter()
        rounds = run_batch(loops, self._generate)
        per_row = (time.perf_counter() - start) / max(len(rows), 1)
        out = []
        for row, sample, loop in zip(rows, samples, loops):
            if loop.too_long is not None:
                result = too_long_row(sample, row["shard"], loop.too_long.prompt_tokens)
            else:
                g = loop.first
                result = probe_row(sample, g.texts, self.parser, g.prompt_tokens, g.completion_tokens, row["shard"],
                                   loop if cfg.probe.refine else None)
            result["gen_seconds"] = per_row
            out.append(result)
        seconds = time.perf_counter() - start
        tokens = sum(r["completion_tokens"] + r["refine_completion_tokens"] for r in out)
        print(f"[probe] {len(rows)} samples x {cfg.sampling.k} answers"
              f"{f' + refinement ({max(rounds - 1, 0)} rounds)' if cfg.probe.refine else ''}: {tokens} tokens in {seconds:.1f} s "
              f"({tokens / seconds if seconds else 0:.0f} tok/s)", flush=True)
        return out

    def _loop(self, sample: Sample) -> RefineLoop:
        """A sample's k sampled answers; in evaluation, the first one refined."""
        cfg = self.cfg
        return RefineLoop(
            self.parser, sample.tools, sample.messages, fmt=cfg.prompt.answer_format,
            max_refinements=cfg.refine.max_refinements if cfg.probe.refine else 0, schedule=cfg.refine.schedule,
            first_n=cfg.sampling.k, first_temperature=cfg.sampling.temperature,
        )

    def _generate(self, conversations: list[list[dict[str, Any]]], n: int, temperature: float) -> list[Any]:
        s = self.cfg.sampling
        return self.engine.generate(conversations, n=n, temperature=temperature, top_p=s.top_p, max_tokens=s.max_tokens)


def eval_config(cfg: Config) -> Config:
    """The config of an evaluation: the eval split, one greedy answer, then its refinement on
    `refine.schedule` (adaptive or fixed) unless `refine.max_refinements` is 0."""
    c = cfg.model_copy(deep=True)
    c.probe.split, c.probe.refine = "eval", cfg.refine.max_refinements > 0
    c.sampling.k, c.sampling.temperature = 1, 0.0  # k first: k > 1 needs a temperature
    return c


def output_dir(cfg: Config) -> str:
    return storage.join(cfg.run_dir, cfg.probe.output or cfg.probe.split)


def _ensure_ray(needed: bool) -> None:
    """Connect to (or start) Ray when something needs it: BFCL inputs are read without it, so a
    run over them refused on its fingerprint starts nothing."""
    import ray

    if needed and not ray.is_initialized():
        ray.init(logging_level=logging.WARNING)


def run_probe(cfg: Config, model_path: str | None = None) -> dict[str, Any]:
    """Probe (or evaluate) every sample of the configured split; returns the summary.
    Holds the run directory's lease (stages/lease.py) throughout."""
    from ray_toolace.stages.lease import run_lease

    with run_lease(cfg.run_dir):
        return _run_probe(cfg, model_path)


def _run_probe(cfg: Config, model_path: str | None) -> dict[str, Any]:
    import ray

    from ray_toolace.model.resolve import resolve_model
    from ray_toolace.stages.fingerprints import probe_fields
    from ray_toolace.stages.manifest import ShardManifest
    from ray_toolace.stages.multi_turn import kind_of, multi_turn_inputs
    from ray_toolace.stages.report import write_probe_report

    out = output_dir(cfg)
    cfg, entries = multi_turn_inputs(cfg)  # data.eval's multi-turn categories, read apart
    specs = cfg.data.train if cfg.probe.split == "train" else cfg.data.eval
    _ensure_ray(any(not s.startswith("bfcl:") for s in specs))
    t0 = time.perf_counter()
    inputs = training_inputs(cfg) if cfg.probe.split == "train" else evaluation_inputs(cfg)
    read_seconds = time.perf_counter() - t0
    if specs:  # empty when data.eval names only multi-turn categories
        log.info("read %d samples, %d rejects from %s", len(inputs.samples), len(inputs.rejects), ", ".join(specs))
    if entries:
        log.info("read %d multi-turn entries", len(entries))
    work = [*inputs.samples, *entries]
    # the fingerprint check comes before any write: a refused run leaves the earlier one intact
    fields = probe_fields(cfg, work)
    resume = ShardManifest.check(out, fields, cfg.resume)
    storage.write_text(
        storage.join(out, "rejects.jsonl"), "".join(json.dumps(r.to_row(), ensure_ascii=False) + "\n" for r in inputs.rejects)
    )

    size = cfg.probe.shard_size
    shards = [work[i : i + size] for i in range(0, len(work), size)]
    manifest = ShardManifest.open(out, fields, n_shards=len(shards), config=cfg, resume=resume)
    pending = [n for n in range(len(shards)) if not manifest.is_done(n)]
    log.info("%d shards, %d already done, %d to probe", len(shards), len(shards) - len(pending), len(pending))

    t1 = time.perf_counter()
    if pending:
        _ensure_ray(True)
        model_path = model_path or resolve_model(cfg.model.name_or_path, cfg.model.cache_dir)
        on_gpu = engines_on_gpu(cfg)
        items = [{"shard": n, "kind": kind_of(s), "sample": json.dumps(s.to_row(), ensure_ascii=False)}
                 for n in pending for s in shards[n]]
        ds = ray.data.from_items(items, override_num_blocks=max(1, len(pending)))
        results = ds.map_batches(
            ProbeWorker,
            fn_constructor_kwargs={"cfg_json": cfg.model_dump_json(), "model_path": model_path, "use_gpu": on_gpu},
            batch_size=cfg.engine.batch_size,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(size=cfg.engine.num_engines),
            **actor_resources(cfg.engine, on_gpu),
        )
        collected: dict[int, list[dict[str, Any]]] = {n: [] for n in pending}
        written = 0
        for batch in results.iter_batches(batch_format="pyarrow", batch_size=None):
            for row in batch.to_pylist():
                collected[row["shard"]].append(row)
                if len(collected[row["shard"]]) == len(shards[row["shard"]]):
                    n = row["shard"]
                    manifest.write_shard(n, pa.Table.from_pylist(collected.pop(n), schema=SCHEMA))
                    written += 1
                    log.info("shard %d written: %d/%d shards of this run done, %.0f s", n, written, len(pending), time.perf_counter() - t1)
    probe_seconds = time.perf_counter() - t1

    table = manifest.read_all(SCHEMA)
    rows = table.to_pylist()
    summary = summarize(rows, rejects=len(inputs.rejects))
    gen_s = sum(r["gen_seconds"] for r in rows)
    summary["throughput"] = {
        "read_seconds": read_seconds,
        "probe_seconds_this_run": probe_seconds,
        "engine_start_seconds": sum(r["engine_start_seconds"] for r in rows),
        "generation_seconds": gen_s,
        # generation time covers the refinement calls, so their tokens count too
        "generated_tokens_per_second": (summary["completion_tokens"] + summary["refine_completion_tokens"]) / gen_s if gen_s else 0.0,
        "shards_probed_this_run": len(pending),
    }
    storage.write_parquet(storage.join(out, "table.parquet"), table)
    write_probe_report(out, summary, title=f"{cfg.probe.split} probe of {cfg.model.name_or_path}")
    manifest.finish(summary)
    print(accuracy_table(rows))
    return summary
