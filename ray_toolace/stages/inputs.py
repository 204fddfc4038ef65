"""Read the samples a stage works on, with Ray Data, from what the config names.

An input is one of:
- `bundled:train` / `bundled:heldout`: the generated sets shipped with the package;
- `bfcl:simple,multiple` or `bfcl:all`: BFCL categories from the bfcl-eval wheel;
- a JSON-lines or Parquet file (or a directory of them), local or `s3://`, in any row format
  the core readers know (ToolACE, OpenAI chat, the project's sample rows, BFCL questions).

Files are read by Ray Data tasks (whole files, so every bad line keeps its line number) and
parsed there with the core readers; rejects come back beside the samples, never dropped.
Samples come back in a stable order (input, then position), so shards are the same on every
run and an interrupted stage can resume.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from ray_toolace import storage
from ray_toolace.core import draw
from ray_toolace.core.formats import bfcl, read_rows
from ray_toolace.core.types import Reject, Sample

if TYPE_CHECKING:
    from ray_toolace.config import Config

BUNDLED = ("train", "heldout")


@dataclass
class Inputs:
    samples: list[Sample] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def bundled_path(name: str) -> str:
    if name not in BUNDLED:
        raise ValueError(f"unknown bundled set {name!r}; choose one of {', '.join(BUNDLED)}")
    return str(resources.files("ray_toolace.data") / "bundled" / f"{name}.jsonl")


def _parse_file(row: dict[str, Any]) -> list[dict[str, Any]]:
    """Ray Data flat_map: one whole file in, one row per sample or reject out."""
    path = row["path"]
    data = row["bytes"]
    if path.endswith(".parquet"):
        import io

        import pyarrow.parquet as pq

        records = pq.read_table(io.BytesIO(data)).to_pylist()
        result = read_rows(records, source=path)
    else:
        result = read_rows(data.decode("utf-8", errors="replace").splitlines(), source=path)
    out = [{"kind": "sample", "pos": i, "path": path, "json": json.dumps(s.to_row(), ensure_ascii=False)} for i, s in enumerate(result.samples)]
    out += [{"kind": "reject", "pos": r.line, "path": path, "json": json.dumps(r.to_row(), ensure_ascii=False)} for r in result.rejects]
    return out


def _read_files(paths: list[str]) -> Inputs:
    import ray.data

    fs, _ = storage.filesystem(paths[0])
    bare = [storage.filesystem(p)[1] for p in paths]
    ds = ray.data.read_binary_files(bare, include_paths=True, filesystem=fs, file_extensions=["jsonl", "json", "parquet"])
    rows = ds.flat_map(_parse_file).take_all()
    rows.sort(key=lambda r: (r["path"], r["pos"]))
    inputs = Inputs()
    for r in rows:
        if r["kind"] == "sample":
            inputs.samples.append(Sample.from_row(json.loads(r["json"])))
        else:
            d = json.loads(r["json"])
            inputs.rejects.append(Reject(d["line"], d["reason"], d["source"], d["raw"]))
    return inputs


def read_inputs(
    specs: list[str], limit: int | None = None, per_category: bool = False, seed: int = 0, spread: bool = False,
    weights: dict[str, float] | None = None,
) -> Inputs:
    """Samples and rejects of every input, in order.

    `limit`: at most that many samples per input, its first ones; with `spread`, that many drawn
    evenly over the input's categories (`draw.stratified`, seeded), so a small training pool
    holds every category (`weights`: {category: weight} of that draw); with `per_category`, at most that many per category of every input,
    a draw seeded with `seed` (evaluation sets: a file's first rows may hold one category only).
    """
    inputs = Inputs()
    for spec in specs:
        if spec.startswith("bfcl:"):
            whole = per_category or spread
            part = bfcl.read_categories(bfcl.categories_of(spec[len("bfcl:") :]), limit=None if whole else limit)
            got = Inputs(part.samples, part.rejects)
        else:
            path = bundled_path(spec[len("bundled:") :]) if spec.startswith("bundled:") else spec
            if not storage.exists(path):
                raise FileNotFoundError(f"input not found: {path}")
            got = _read_files([path])
            if limit is not None and not per_category and not spread:
                got.samples = got.samples[:limit]
        if spread and limit is not None and not per_category:
            order = {s.id: i for i, s in enumerate(got.samples)}
            got.samples = sorted(draw.stratified(got.samples, limit, seed, lambda s: s.category, weights), key=lambda s: order[s.id])
        if per_category:
            got.samples = draw.per_category(got.samples, limit, seed, lambda s: s.category)
        inputs.samples.extend(got.samples)
        inputs.rejects.extend(got.rejects)
    # ids key the probe table, selection and resume: a repeated id is set aside, not merged
    seen: set[str] = set()
    unique = []
    for s in inputs.samples:
        if s.id in seen:
            inputs.rejects.append(Reject(0, f"duplicate sample id {s.id!r}", s.source, json.dumps(s.to_row())[:2000]))
            continue
        seen.add(s.id)
        unique.append(s)
    inputs.samples = unique
    return inputs


def training_inputs(cfg: Config) -> Inputs:
    """The training pool: `data.train` cut by `data.limit`, drawn as `data.limit_draw` (and
    `data.limit_weights`) say."""
    return read_inputs(cfg.data.train, limit=cfg.data.limit, seed=cfg.data.seed,
                       spread=cfg.data.limit_draw == "stratified", weights=cfg.data.limit_weights)


def evaluation_inputs(cfg: Config) -> Inputs:
    """The evaluation sets: `data.eval`, at most `data.eval_limit` per category, seeded."""
    return read_inputs(cfg.data.eval, limit=cfg.data.eval_limit, per_category=True, seed=cfg.data.seed)
