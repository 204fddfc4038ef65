"""Per-shard outputs with a manifest: what makes an interrupted stage resumable.

    out/manifest.json            inputs fingerprint, shard count, status of each shard, summary
    out/shards/shard-00003.parquet

A shard file is written atomically first, and only then marked done in the manifest (itself
written atomically). A crash between the two leaves a file that is simply written again; a
shard marked done always has its whole file. A manifest made for other inputs is refused
rather than silently mixed with them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from ray_toolace import storage
from ray_toolace.config import Config, dump_config


class ManifestMismatch(RuntimeError):
    pass


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
    def open(cls, root: str, fingerprint: str, n_shards: int, config: Config) -> "ShardManifest":
        m = cls(root)
        if storage.exists(m.path):
            m.data = storage.read_json(m.path)
            if m.data.get("fingerprint") != fingerprint or m.data.get("n_shards") != n_shards:
                raise ManifestMismatch(
                    f"{root} holds a stage run over other inputs ({m.data.get('n_shards')} shards, "
                    f"fingerprint {m.data.get('fingerprint')}); use another run_dir or delete it"
                )
            m.data["status"] = "running"
            m.data["resumed"] = m.data.get("resumed", 0) + 1
        else:
            m.data = {"fingerprint": fingerprint, "n_shards": n_shards, "done": {}, "status": "running", "resumed": 0}
        m.data["config"] = dump_config(config)
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
