"""One typed config for every stage: YAML plus dotted overrides, validated at load.

    cfg = load_config("configs/demo.yaml", ["probe.k=8", "model.name_or_path=/models/llama"])

Unknown keys and wrong types fail at once with a message naming the field
(`probe.k: Input should be greater than or equal to 1`). Defaults marked *(ours)* in
docs/method.md are this project's choices, not the paper's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelConfig(_Section):
    # a local HF folder, the default "smollm2-135m" (prepared from the shipped GGUF), or a hub id
    name_or_path: str = "smollm2-135m"
    lora_adapter: str | None = None  # a peft adapter folder applied with LoRARequest, unmerged
    cache_dir: str | None = None  # where prepared models live; env RAY_TOOLACE_CACHE otherwise
    # the context the engines hold; None: the model's own (vLLM reads it from the model's config)
    max_model_len: int | None = Field(None, ge=256)
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"


class EngineConfig(_Section):
    num_engines: int = Field(1, ge=1)  # vLLM engines (Ray actors); one per GPU on a GPU cluster
    tensor_parallel_size: int = Field(1, ge=1)
    batch_size: int = Field(64, ge=1)  # rows per Ray Data batch handed to one engine call
    cpus_per_engine: float = Field(1.0, gt=0)
    gpu_memory_utilization: float = Field(0.85, gt=0, le=1)
    cpu_kvcache_gb: int = Field(2, ge=1)  # VLLM_CPU_KVCACHE_SPACE for the CPU build
    max_num_seqs: int = Field(256, ge=1)
    max_loras: int = Field(1, ge=1)
    max_lora_rank: int = Field(16, ge=1)
    seed: int = 0  # the engine's seed; per-request seeds crash vLLM's CPU build
    use_gpu: bool | None = None  # None: use GPUs when the cluster has them
    # skip torch.compile and CUDA graphs. None: eager on CPU, where compiling added 60-110 s to
    # every engine start and no measurable speed (benchmarks/bench_probe.py), compiled on GPUs
    enforce_eager: bool | None = None
    # a round's LoRA adapter merged into a whole model before probing/evaluating/serving it;
    # None: merge when engines run on CPU (vLLM's CPU LoRA path is slow), LoRARequest on GPUs
    merge_lora: bool | None = None


class SamplingConfig(_Section):
    k: int = Field(4, ge=1)  # answers per sample (ours: 4 on CPU, 8 on GPU)
    temperature: float = Field(0.7, ge=0)  # ours
    top_p: float = Field(1.0, gt=0, le=1)
    max_tokens: int = Field(256, ge=1)

    @model_validator(mode="after")
    def _k_needs_sampling(self) -> "SamplingConfig":
        if self.k > 1 and self.temperature == 0:
            raise ValueError("sampling.k > 1 needs sampling.temperature > 0 (greedy answers are all the same)")
        return self


class PromptConfig(_Section):
    answer_format: Literal["pythonic", "json"] = "pythonic"
    # strict = BFCL's decoder rules (scores comparable with BFCL); lenient also finds calls in text
    strict_parse: bool = True


class DataConfig(_Section):
    # JSON lines or Parquet, local or s3://; "bundled:train", "bundled:heldout", "bfcl:simple,multiple"
    train: list[str] = ["bundled:train"]
    eval: list[str] = ["bundled:heldout", "bfcl:simple,multiple,parallel,parallel_multiple,irrelevance"]
    limit: int | None = Field(None, ge=1)  # at most this many samples per input (quick runs)
    # which `limit` samples: a file's first ones, or a seeded draw spread evenly over its
    # categories (a small pool then holds the no-call samples a file's first rows may lack)
    limit_draw: Literal["first", "stratified"] = "first"
    # stratified draws only: {category: weight} (1 for a category not named), e.g.
    # {irrelevance: 2} draws about twice as many no-call samples as samples of each other category
    limit_weights: dict[str, float] = {}
    # at most this many per category of every evaluation input, a seeded draw (core/draw.py)
    eval_limit: int | None = Field(None, ge=1)
    seed: int = 0  # the evaluation draw and the stratified training draw

    @model_validator(mode="after")
    def _weights(self) -> "DataConfig":
        if self.limit_weights and self.limit_draw != "stratified":
            raise ValueError("data.limit_weights weighs a stratified draw: set data.limit_draw: stratified")
        bad = {k: v for k, v in self.limit_weights.items() if not v > 0}
        if bad:
            raise ValueError(f"data.limit_weights must be positive: {bad}")
        return self


class ProbeConfig(_Section):
    split: Literal["train", "eval"] = "train"  # which of data.train / data.eval to answer
    shard_size: int = Field(128, ge=1)  # samples per output shard: the unit of resume
    refine: bool = False  # also run adaptive self-refinement on each first answer (evaluation)
    output: str | None = None  # sub-directory of run_dir; default: the split's name


class RefineConfig(_Section):
    max_refinements: int = Field(3, ge=0)  # N_max (ours)
    # adaptive: stop when an answer repeats (docs/method.md §5); fixed: always max_refinements
    schedule: Literal["adaptive", "fixed"] = "adaptive"


class SelectConfig(_Section):
    hi: float = Field(1.0, ge=0, le=1)  # pass rate >= hi: mastered (ours)
    lo: float = Field(0.0, ge=0, le=1)  # pass rate <= lo: too hard (ours)
    # too-hard samples: train on them, defer them a round, or keep every sample ever selected
    # (the paper leaves this open; "train" is ours, see core/selection.py)
    too_hard: Literal["train", "defer", "cumulative"] = "train"
    # share of a round's ordinary training set replayed from mastered samples, spread over
    # their categories (ours: keeps clean declines in the data, so irrelevance does not collapse)
    replay_share: float = Field(0.2, ge=0, lt=1)
    seed: int = 0  # the replay draw

    @model_validator(mode="after")
    def _ordered(self) -> "SelectConfig":
        if self.lo > self.hi:
            raise ValueError(f"select.lo ({self.lo}) must not exceed select.hi ({self.hi})")
        return self


class CorpusConfig(_Section):
    wrong_to_right: float = Field(1.0, gt=0)  # refinement samples from wrong : right answers (ours)
    refine_to_ordinary: float = Field(0.5, ge=0)  # refinement : ordinary samples (ours, 1:2)
    # share of refinement records from samples that want no call; None: their share of the pool
    no_call_share: float | None = Field(None, ge=0, le=1)
    # gold "keep it" records where the model has too few right answers of its own (ours)
    keep_from_gold: bool = True
    seed: int = 0


class TrainConfig(_Section):
    num_workers: int = Field(2, ge=1)
    # CPU cores per training worker (torch's threads): on a small CPU machine one worker with every
    # core trains faster than several FSDP workers exchanging weights over gloo
    cpus_per_worker: float = Field(1.0, gt=0)
    use_gpu: bool = False
    method: Literal["full", "lora"] = "lora"
    lora_r: int = Field(16, ge=1)
    lora_alpha: int = Field(32, ge=1)
    lora_dropout: float = Field(0.05, ge=0, lt=1)
    lr: float = Field(1e-4, gt=0)
    epochs: float = Field(1.0, gt=0)
    warmup_ratio: float = Field(0.1, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    max_seq_len: int = Field(1024, ge=64)
    tokens_per_batch: int = Field(4096, ge=64)  # packed tokens per worker per micro-step
    grad_accum: int = Field(1, ge=1)
    packing: bool = True
    grad_checkpointing: bool = False
    mixed_precision: Literal["bf16", "fp32"] = "bf16"
    checkpoint_every_steps: int = Field(20, ge=1)
    max_failures: int = Field(2, ge=0)
    seed: int = 0
    max_grad_norm: float = Field(1.0, gt=0)  # gradient clipping
    log_every_steps: int = Field(5, ge=1)  # a progress line from rank 0 every this many steps
    # jobs/train_round.py only (the iterate loop passes these itself):
    corpus: str | None = None  # corpus records (JSON lines/Parquet); None: data.train as plain SFT
    output: str | None = None  # the round's folder; None: <run_dir>/round-<round>
    round: int = Field(0, ge=0)


class IterateConfig(_Section):
    max_rounds: int = Field(3, ge=1)  # ours
    # stop when fewer than this share of the pool entered or left the selected set since the
    # previous round (ours); 0: only "nothing left to learn" and the other rules stop the loop
    min_change: float = Field(0.05, ge=0, le=1)
    # stop when held-out accuracy improves by no more than this; null: never stop on accuracy
    # (for held-out sets too small to decide on)
    min_gain: float | None = 0.0


class ServeConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    api_key: str | None = None  # or env RAY_TOOLACE_API_KEY; never logged
    request_timeout_s: float = Field(120.0, gt=0)
    max_body_bytes: int = Field(1_000_000, ge=1024)
    max_tools: int = Field(128, ge=1)
    max_messages: int = Field(256, ge=1)
    model_id: str | None = None  # the name /v1/models lists; default: the model folder's name
    force_attempts: int = Field(1, ge=0)  # re-asks when tool_choice requires a call and none came
    # engine replicas: Serve autoscaling on ongoing requests (each replica batches them in vLLM)
    min_replicas: int = Field(1, ge=0)
    max_replicas: int = Field(1, ge=1)
    target_ongoing_requests: float = Field(16, gt=0)
    max_ongoing_requests: int = Field(64, ge=1)  # per engine replica: requests answered at once
    # backpressure: past max_ongoing_requests x max_replicas running, this many wait (per ingress
    # replica, within their deadline); any more get 503 with Retry-After at once (ours)
    max_queued_requests: int = Field(64, ge=0)
    retry_after_s: int = Field(5, ge=0)  # the Retry-After of a 503 (ours)
    # an oversize body is read and dropped up to this many bytes so the client sees the 413;
    # past it the connection is closed (ours)
    max_discard_bytes: int = Field(64_000_000, ge=0)
    # per-request cost ceilings (ours): refinements a request may ask for, refinements under the
    # fixed schedule (0: no fixed schedule), max_tokens per model call, and max_tokens times the
    # most model calls the request can make
    max_refinements: int = Field(4, ge=0, le=8)
    max_fixed_refinements: int = Field(3, ge=0, le=8)
    max_tokens: int = Field(1024, ge=1)
    max_request_tokens: int = Field(4096, ge=1)
    # every finished round of this run directory (local or s3://), served beside the base model
    # as <base>:round-<t> (serve/catalog.py); None: the base model and model.lora_adapter only
    rounds_from: str | None = None
    rounds_refresh_s: float = Field(10.0, gt=0)  # how old the listing of rounds_from may get (ours)
    # round models one engine replica holds at once beside the base, least recently used out:
    # adapters applied per request (GPUs, or engine.merge_lora=false): vLLM's max_loras, the
    # adapters one batch may mix; merged rounds (CPU): whole-model engines, each its own vLLM
    # engine with its own KV cache (ours)
    max_adapters: int = Field(4, ge=1)
    max_loaded_models: int = Field(2, ge=1)


class DemoConfig(_Section):
    # jobs/demo.py's endpoint step: held-out questions asked through the OpenAI SDK, a seeded
    # draw spread over their categories (irrelevance included), never picked by their answers
    questions: int = Field(8, ge=1)
    seed: int = 0
    input: str = "bundled:heldout"  # where they are drawn from: any input data.eval accepts


class TrackingConfig(_Section):
    # MLflow tracking of the iterate loop (ray_toolace/tracking.py; needs the `tracking` extra):
    # one MLflow run per run directory, a nested run per round
    mlflow: bool = False
    # a tracking server (http://host:5000) or any MLflow store URI; None: a SQLite store with
    # its artifacts under <run_dir>/mlflow/ (ours; an s3:// run_dir needs a server here)
    uri: str | None = None
    experiment: str = "ray_toolace"  # ours
    run_name: str | None = None  # None: the run directory's last folder name (ours)


class Config(_Section):
    run_dir: str = "runs/default"  # local path or s3://bucket/prefix
    # a relative run_dir is taken below this folder (or env RAY_TOOLACE_RUNS_ROOT); inside a Ray
    # job's copy of the working directory a relative run_dir without either is refused
    runs_root: str | None = None
    # a stage re-run under a changed configuration: refuse, naming what changed, or redo it (ours)
    resume: Literal["refuse", "restart"] = "refuse"
    model: ModelConfig = ModelConfig()
    engine: EngineConfig = EngineConfig()
    sampling: SamplingConfig = SamplingConfig()
    prompt: PromptConfig = PromptConfig()
    data: DataConfig = DataConfig()
    probe: ProbeConfig = ProbeConfig()
    refine: RefineConfig = RefineConfig()
    select: SelectConfig = SelectConfig()
    corpus: CorpusConfig = CorpusConfig()
    train: TrainConfig = TrainConfig()
    iterate: IterateConfig = IterateConfig()
    serve: ServeConfig = ServeConfig()
    demo: DemoConfig = DemoConfig()
    tracking: TrackingConfig = TrackingConfig()

    @model_validator(mode="after")
    def _tracking_store(self) -> "Config":
        if self.tracking.mlflow and self.tracking.uri is None and self.run_dir.startswith("s3://"):
            raise ValueError("tracking.uri: an s3:// run_dir has no local folder for the default MLflow store; "
                             "give a tracking server, e.g. tracking.uri=http://HOST:5000")
        return self


class ConfigError(ValueError):
    """A config that cannot be used; the message names every bad field."""


def _set_dotted(tree: dict[str, Any], dotted: str) -> None:
    if "=" not in dotted:
        raise ConfigError(f"override {dotted!r} is not of the form key.path=value")
    path, raw = dotted.split("=", 1)
    keys = [k for k in path.strip().split(".") if k]
    if not keys:
        raise ConfigError(f"override {dotted!r} has an empty key")
    node = tree
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override {dotted!r}: {key} is not a section")
        node = child
    # YAML typing of the value: 8 -> int, 2e-5 -> float, true -> bool, [a, b] -> list
    value = yaml.safe_load(raw) if raw.strip() else ""
    if isinstance(value, str) and raw.strip() and raw.strip()[0].isdigit():
        try:
            value = float(raw)
        except ValueError:
            pass
    node[keys[-1]] = value


def _describe(error: ValidationError) -> str:
    lines = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"]) or "config"
        lines.append(f"{where}: {e['msg']}")
    return "invalid config:\n  " + "\n  ".join(lines)


def load_config(path: str | os.PathLike | None = None, overrides: list[str] | None = None) -> Config:
    """Read YAML (optional), apply `a.b=value` overrides, validate. Raises ConfigError."""
    tree: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except yaml.YAMLError as e:
            raise ConfigError(f"config file {path} is not valid YAML: {e}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"config file {path} must hold a mapping at the top")
        tree = loaded or {}
    for item in overrides or []:
        _set_dotted(tree, item)
    try:
        return Config.model_validate(tree)
    except ValidationError as e:
        raise ConfigError(_describe(e)) from None


def dump_config(cfg: Config) -> str:
    return yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False)
