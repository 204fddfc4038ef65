"""Per-shard outputs with a manifest: what makes an interrupted stage resumable.

    out/manifest.json            fingerprint, shard count, status of each shard, summary
    out/shards/shard-00003.parquet

A shard file is written atomically first, and only then marked done in the manifest (itself
written atomically). A crash between the two leaves a file that is simply written again; a
shard marked done always has its whole file.

The manifest records the stage's fingerprint (stages/fingerprints.py: model and adapter
content, sampling, prompt format, the samples). A re-run whose fingerprint differs is refused
with the differing fields named (`resume: refuse`, the default), or starts the stage afresh
(`resume: restart`): never are old shards reused under a new configuration. `reuse_or_refuse`
is that one rule, for every stage that records a fingerprint.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from ray_toolace import storage
from ray_toolace.config import Config
from ray_toolace.core.fingerprint import differences, digest, fingerprint, mismatch_message
from ray_toolace.core.secrets import redact_config

log = logging.getLogger("ray_toolace.manifest")


class ManifestMismatch(RuntimeError):
    """Outputs recorded under another configuration; the message names the differing fields."""


def recorded_config(cfg: Config) -> dict[str, Any]:
    """The config as run files record it: secrets (serve.api_key) redacted."""
    return redact_config(cfg.model_dump(mode="json"))


def reuse_or_refuse(recorded: dict[str, Any] | None, current: dict[str, Any], resume: str, what: str, where: str) -> bool:
    """True: the recorded outputs were made with `current` and may be reused. False: they were
    not and `resume` is "restart", so the caller starts afresh. Raises ManifestMismatch when they
    were not and `resume` is "refuse"."""
    diffs = differences(recorded, current)
    if not diffs:
        return True
    if resume == "restart":
        log.warning("%s in %s: configuration changed, starting it afresh (resume=restart): %s", what, where, "; ".join(diffs))
        return False
    raise ManifestMismatch(mismatch_message(what, where, diffs))


@dataclass
class ShardManifest:
    root: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return storage.join(self.root, "manifest.json")

    def shard_path(self, n: int) -> str:
        return storage.join(self.root, "shards", f"shard-{n:05d}.parquet")

    @classmethod
    def check(cls, root: str, fields: dict[str, Any], resume: str) -> bool:
        """Whether `root` holds shards of this fingerprint to resume (True) or nothing to keep
        (False); raises ManifestMismatch (resume=refuse) for shards of another one. Writes nothing,
        so a refused run leaves every file of the earlier one as it was."""
        m = cls(root)
        if not storage.exists(m.path):
            return False
        recorded = storage.read_json(m.path).get("fingerprint")
        return reuse_or_refuse(recorded if isinstance(recorded, dict) else None, fields, resume, "the stage", root)

    @classmethod
    def open(cls, root: str, fields: dict[str, Any], n_shards: int, config: Config, resume: bool) -> "ShardManifest":
        """Resume the manifest in `root` (`resume`: what `check` answered), else start a new one."""
        m = cls(root)
        fp = fingerprint(fields)
        if resume:
            m.data = storage.read_json(m.path)
            m.data["status"] = "running"
            m.data["resumed"] = m.data.get("resumed", 0) + 1
        else:
            # shard files of an earlier configuration are not marked done here, so they are
            # never read, and each is overwritten when its shard is written anew
            m.data = {"fingerprint": fp, "digest": digest(fp), "n_shards": n_shards, "done": {}, "status": "running", "resumed": 0}
        m.data["config"] = recorded_config(config)
        m.data["started_at"] = time.time()
        m._save()
        return m

    def is_done(self, n: int) -> bool:
        return str(n) in self.data["done"] and storage.exists(self.shard_path(n))

    def write_shard(self, n: int, table: pa.Table) -> None:
        storage.write_parquet(self.shard_path(n), table)
        self.data["done"][str(n)] = {"rows": table.num_rows, "at": time.time()}
        self._save()
        _maybe_crash(len(self.data["done"]))

    def read_all(self, schema: pa.Schema) -> pa.Table:
        tables = [storage.read_parquet(self.shard_path(n)) for n in range(self.data["n_shards"]) if self.is_done(n)]
        if not tables:
            return schema.empty_table()
        return pa.concat_tables([t.select(schema.names).cast(schema) for t in tables])

    def finish(self, summary: dict[str, Any]) -> None:
        missing = [n for n in range(self.data["n_shards"]) if not self.is_done(n)]
        self.data["status"] = "done" if not missing else "incomplete"
        self.data["summary"] = summary
        self.data["finished_at"] = time.time()
        self._save()

    def _save(self) -> None:
        storage.write_json(self.path, self.data)


def _maybe_crash(done: int) -> None:
    """Fault injection for resume tests: RAY_TOOLACE_CRASH_AFTER_SHARDS=N kills the process
    (no cleanup, like SIGKILL) right after the N-th shard is recorded."""
    limit = os.environ.get("RAY_TOOLACE_CRASH_AFTER_SHARDS")
    if limit and done >= int(limit):
        os._exit(137)
