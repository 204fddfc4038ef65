"""The run directory's finished rounds, read through storage (local or s3://), and a local folder
of a round's model for the engines: the I/O around serve/catalog.py's decisions.

    models, refused = list_served("smollm2-135m", "s3://bucket/runs/x", base_content)
    # models: {id: ServedModel}, paths absolute; refused: {id: why} (catalog.on_base)
    folder = local_model_folder(models["smollm2-135m:round-1"], cache_dir=None)

A listing is one directory listing of the run directory and, per `round-<t>` folder, a read of
its round.json (iterate's layout first, then a lone train_round's). vLLM and peft load local
folders only, so a round's model on S3 is copied once into the cache (`<cache>/served/`, the
cache of model/prepare.py) under a name carrying its URI's and its round.json's digests: a
round retrained in place is copied again, never served from the old copy.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import replace
from typing import NamedTuple

from ray_toolace import storage
from ray_toolace.serve.catalog import ServedModel, catalog, finished_rounds, on_base, round_numbers, summary_paths

log = logging.getLogger("ray.serve")


class Listing(NamedTuple):
    models: dict[str, ServedModel]  # the base and the servable rounds, by id, in round order
    refused: dict[str, str]  # finished rounds left out: {id: why}


def list_served(base_id: str, run_dir: str, base_content: str | None = None) -> Listing:
    """The base model and every finished round of `run_dir` trained on a base of content digest
    `base_content` (None: unchecked), and the rounds left out with why."""
    summaries = {}
    for t in round_numbers(storage.list_dirs(run_dir)):
        for rel in summary_paths(t):
            try:
                summaries[rel] = storage.read_json(storage.join(run_dir, rel))
                break
            except FileNotFoundError:
                continue
            except ValueError as e:  # written atomically, so only a foreign or broken file
                log.warning("skipping %s: not JSON (%s)", storage.join(run_dir, rel), e)
                break
    rounds = [replace(m, path=storage.join(run_dir, m.path)) for m in finished_rounds(base_id, summaries)]
    served, refused = on_base(rounds, base_content)
    return Listing(catalog(base_id, served), refused)


def local_model_folder(model: ServedModel, cache_dir: str | None = None) -> str:
    """A local folder holding the round's model: the folder itself when local, else a copy."""
    if model.path is None:
        raise ValueError(f"{model.id} has no model folder")
    if not storage.is_s3(model.path):
        if not os.path.isdir(model.path):
            raise FileNotFoundError(f"{model.path} does not exist")
        return model.path
    from ray_toolace.model.prepare import cache_root

    name = f"{hashlib.sha256(model.path.encode()).hexdigest()[:12]}-{model.version or 'x'}"
    out = cache_root(cache_dir) / "served" / name / "model"
    if (out / ".complete").is_file():
        return str(out)
    import pyarrow.fs as pafs

    with storage.publish_dir(out, lambda o: (o / ".complete").is_file()) as tmp:  # another replica may win
        fs, path = storage.filesystem(model.path)
        pafs.copy_files(path, str(tmp), source_filesystem=fs, destination_filesystem=pafs.LocalFileSystem())
        if not any(tmp.iterdir()):
            raise FileNotFoundError(f"{model.path} holds no files")
        (tmp / ".complete").write_text(model.path + "\n")
    log.info("copied %s to %s", model.path, out)
    return str(out)
