"""Check cluster YAMLs offline, and whether what each job asks of Ray fits the cluster's nodes.

    from ray_toolace.cluster_check import load_cluster, prepare_cluster, check_fit
    cluster = prepare_cluster(load_cluster("cluster/aws.yaml"))   # Ray's own defaults + schema; no cloud call
    problems = check_fit(load_config("configs/probe.yaml"), cluster)   # [] when every request fits

`prepare_cluster` runs what `ray up` runs before it talks to a cloud: Ray's `prepare_config`
(merges the provider's defaults, fills each node type's worker limits) and `validate_config`
(Ray's JSON schema plus its cross-field rules). The node resources a cluster YAML declares then
answer whether a stage's requests can ever be scheduled; a request no node can hold would wait
in the autoscaler's queue forever instead of failing. What the stages request (GPU mode):

- probe / eval: `engine.num_engines` vLLM actors, each {GPU: tensor_parallel_size, CPU: cpus_per_engine}
- train: `train.num_workers` Ray Train workers, each {GPU: 1, CPU: 1} (Ray Train's default per worker)
- serve: up to `serve.max_replicas` engine replicas, each like a probe engine

Each stage's bundles must all be placed at once (a pool, a placement group, a replica set), so
they are packed onto the worker types' nodes within each type's `max_workers`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ray_toolace.config import Config
from ray_toolace.engine.placement import gets_gpus

Bundle = dict[str, float]


def load_cluster(path: str | Path) -> dict[str, Any]:
    tree = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(tree, dict):
        raise ValueError(f"{path}: a cluster config is a mapping")
    return tree


def is_cluster_config(tree: Any) -> bool:
    """Cluster launcher YAMLs name a provider; runtime envs and Serve configs do not."""
    return isinstance(tree, dict) and "provider" in tree and "cluster_name" in tree


def prepare_cluster(tree: dict[str, Any]) -> dict[str, Any]:
    """The config as `ray up` would use it, validated; raises on anything Ray would refuse."""
    from ray.autoscaler._private.util import prepare_config, validate_config

    prepared = prepare_config(copy.deepcopy(tree))
    validate_config(prepared)
    return prepared


@dataclass(frozen=True)
class NodeType:
    name: str
    resources: Bundle
    max_workers: int


@dataclass(frozen=True)
class Request:
    stage: str
    bundles: tuple[Bundle, ...]


def worker_types(prepared: dict[str, Any]) -> list[NodeType]:
    head = prepared["head_node_type"]
    return [
        NodeType(name, {k: float(v) for k, v in spec.get("resources", {}).items()}, int(spec.get("max_workers", 0)))
        for name, spec in prepared["available_node_types"].items()
        if name != head
    ]


def requests(cfg: Config, gpu: bool = True) -> list[Request]:
    """The resource bundles each stage of `cfg` asks Ray for; `gpu` as on a GPU cluster."""
    e = cfg.engine
    engine_gpu = gets_gpus(e.use_gpu, gpu)  # the stages' own rule: None = use GPUs if present
    engine: Bundle = {"CPU": e.cpus_per_engine, **({"GPU": float(e.tensor_parallel_size)} if engine_gpu else {})}
    worker: Bundle = {"CPU": 1.0, **({"GPU": 1.0} if gpu or cfg.train.use_gpu else {})}
    return [
        Request("probe", (engine,) * e.num_engines),
        Request("train", (worker,) * cfg.train.num_workers),
        Request("serve", (engine,) * cfg.serve.max_replicas),
    ]


def _fits(bundle: Bundle, free: Bundle) -> bool:
    return all(free.get(k, 0.0) >= v for k, v in bundle.items() if v > 0)


def _describe(b: Bundle) -> str:
    return "{" + ", ".join(f"{k}: {v:g}" for k, v in sorted(b.items())) + "}"


def place(request: Request, types: list[NodeType]) -> dict[str, int]:
    """Nodes of each type that hold every bundle at once (first fit, largest bundles first).

    Raises ValueError naming the stage and the bundle that fits nowhere.
    """
    for b in request.bundles:
        if not any(_fits(b, t.resources) for t in types):
            sizes = ", ".join(f"{t.name} {_describe(t.resources)}" for t in types) or "none"
            raise ValueError(f"{request.stage}: a bundle {_describe(b)} fits no worker type ({sizes})")
    # open the smallest type that holds a bundle first, so big nodes stay for big bundles
    by_size = sorted(types, key=lambda t: (t.resources.get("GPU", 0.0), t.resources.get("CPU", 0.0)))
    opened: list[tuple[NodeType, Bundle]] = []
    used = {t.name: 0 for t in types}
    order = sorted(request.bundles, key=lambda b: (b.get("GPU", 0.0), b.get("CPU", 0.0)), reverse=True)
    for b in order:
        node = next((free for _, free in opened if _fits(b, free)), None)
        if node is None:
            kind = next((t for t in by_size if used[t.name] < t.max_workers and _fits(b, t.resources)), None)
            if kind is None:
                raise ValueError(
                    f"{request.stage}: {len(request.bundles)} x {_describe(request.bundles[0])} do not fit at once "
                    f"within the worker types' max_workers ({', '.join(f'{t.name} <= {t.max_workers}' for t in types)})"
                )
            used[kind.name] += 1
            node = dict(kind.resources)
            opened.append((kind, node))
        for k, v in b.items():
            node[k] = node.get(k, 0.0) - v
    return {name: n for name, n in used.items() if n}


def check_fit(cfg: Config, prepared: dict[str, Any], gpu: bool = True) -> list[str]:
    """One message per stage of `cfg` whose requests the cluster can never hold; [] if all fit."""
    types = worker_types(prepared)
    problems = []
    for request in requests(cfg, gpu=gpu):
        try:
            place(request, types)
        except ValueError as e:
            problems.append(str(e))
    return problems
