"""The train_round job on a real local Ray cluster: TorchTrainer, two CPU workers, FSDP2.

Covers: full fine-tuning whose loss falls and whose exported folder loads in transformers and
in vLLM; a LoRA round whose adapter loads with peft; a round whose driver is killed after a
checkpoint and that resumes from it when submitted again; the same job on CUDA where a GPU
exists. Tiny random model, 48 short records, a few steps each.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import job_env, run_job

def train_args(out: Path, corpus: Path, model: Path, *extra: str) -> list[str]:
    # 48 records of ~260 tokens: 2 rows of 1024 (3 records each) per micro-batch -> 8 micro-batches, 4 per rank
    return [
        "jobs/train_round.py", "--config", "configs/train.yaml", f"train.output={out}", f"train.corpus={corpus}",
        f"model.name_or_path={model}", "train.num_workers=2", "train.max_seq_len=1024", "train.tokens_per_batch=2048",
        "train.grad_accum=1", "train.epochs=2", "train.lr=3e-3", "train.warmup_ratio=0.1", "train.log_every_steps=1",
        "train.mixed_precision=fp32",  # bf16 autocast costs more than it saves on a model this small
        *extra,
    ]


def record_loss(model, tokenizer_dir: Path, corpus: Path) -> float:
    """Mean answer-token loss of a model on the first 8 records."""
    import torch

    from ray_toolace.train.packing import make_batches
    from ray_toolace.train.tokenize import load_tokenizer, tokenize_records

    records = [json.loads(line) for line in corpus.read_text().splitlines()[:8]]
    tok = load_tokenizer(str(tokenizer_dir))
    seqs, _ = tokenize_records(tok, records, 512)
    (batch,) = make_batches(seqs, True, 4096, 4096, tok.pad_token_id, seed=0)
    ids, labels, pos = (torch.tensor(x) for x in (batch.input_ids, batch.labels, batch.position_ids))
    with torch.no_grad():
        logits = model(input_ids=ids, position_ids=pos, use_cache=False).logits
    return torch.nn.functional.cross_entropy(logits[0, :-1], labels[0, 1:], ignore_index=-100).item()


def test_packing_keeps_sequences_apart(tiny_model_dir, corpus):
    """Not a Ray test: the loss mask and the packed layout that every round relies on."""
    import torch
    from transformers import AutoModelForCausalLM

    from ray_toolace.train.packing import make_batches, shard
    from ray_toolace.train.tokenize import IGNORE, load_tokenizer, tokenize_records

    records = [json.loads(line) for line in corpus.read_text().splitlines()[:7]]
    for i, r in enumerate(records):  # lengths from ~260 to ~620 tokens, so padding has a cost
        r["messages"][-1]["content"] += " and the forecast" * (30 * (i % 3))
    tok = load_tokenizer(str(tiny_model_dir))
    seqs, dropped = tokenize_records(tok, records, 1024)
    assert dropped == 0
    # the loss is on the answer and the end of its turn, nothing of the prompt
    assert tok.decode([x for x in seqs[0].labels if x != IGNORE]) == records[0]["target"] + "<|im_end|>\n"
    assert tokenize_records(tok, records, 100) == ([], 7)  # too long: dropped, never cut

    packed = make_batches(seqs, True, 2048, 1024, tok.pad_token_id, seed=0)
    padded = make_batches(seqs, False, 2048, 1024, tok.pad_token_id, seed=0)
    real = sum(len(s) for s in seqs)
    assert sum(b.real_tokens for b in packed) == sum(b.real_tokens for b in padded) == real
    assert sum(b.slots for b in packed) < sum(b.slots for b in padded) and len(packed) < len(padded)
    assert [len(b) for b in (shard(padded, 0, 2), shard(padded, 1, 2))] == [2, 2]  # 3 batches: one wraps

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    batch = packed[0]
    row, labels, pos = batch.input_ids[0], batch.labels[0], batch.position_ids[0]
    starts = [i for i, p in enumerate(pos) if p == 0]
    assert len(starts) >= 2 and all(labels[i] == IGNORE for i in starts)  # no target across a boundary
    with torch.no_grad():
        together = model(input_ids=torch.tensor([row]), position_ids=torch.tensor([pos]), use_cache=False).logits[0]
        for a, b in zip(starts, starts[1:] + [len(row)]):
            alone = model(input_ids=torch.tensor([row[a:b]]), use_cache=False).logits[0]
            assert torch.allclose(together[a:b], alone, atol=1e-4)  # no attention across a boundary


VLLM_SCRIPT = """
import json, sys
from vllm import LLM, SamplingParams

if __name__ == "__main__":
    llm = LLM(model=sys.argv[1], max_model_len=512, seed=0, enforce_eager=True)
    out = llm.generate(["<|im_start|>user\\nWeather in Paris?<|im_end|>\\n<|im_start|>assistant\\n"],
                       SamplingParams(temperature=0, max_tokens=6))
    print("RESULT " + json.dumps(list(out[0].outputs[0].token_ids)))
"""


def test_full_finetune_two_workers_loss_falls_and_exports(ray_cluster, tiny_model_dir, corpus, tmp_path):
    out = tmp_path / "full"
    proc = run_job(train_args(out, corpus, tiny_model_dir, "train.method=full"), job_env(RAY_ADDRESS=ray_cluster[0]))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((out / "round.json").read_text())
    assert summary["num_workers"] == 2 and summary["method"] == "full"
    steps = summary["steps"]
    assert steps >= 6 and len(summary["loss"]) == steps and summary["resumed_from"] == [0]
    loss = summary["loss"]
    assert sum(loss[-2:]) / 2 < sum(loss[:2]) / 2 - 0.5, loss
    assert summary["real_tokens"] > 0 and summary["padded_tokens"] >= summary["real_tokens"]
    assert summary["real_tokens_per_s"] > 0
    assert "[train] step 1/" in proc.stdout + proc.stderr  # progress lines reach the driver

    model_dir = out / "model"
    assert {"config.json", "model.safetensors", "tokenizer.json", "generation_config.json"} <= {p.name for p in model_dir.iterdir()}
    from transformers import AutoModelForCausalLM

    trained = AutoModelForCausalLM.from_pretrained(model_dir)
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    # the export holds the trained weights, not the base's: it fits the training data better
    assert record_loss(trained, model_dir, corpus) < record_loss(base, tiny_model_dir, corpus) - 0.5

    script = tmp_path / "vllm_load.py"
    script.write_text(VLLM_SCRIPT)
    gen = run_job([str(script), str(model_dir)], job_env(), timeout=300)
    assert gen.returncode == 0, gen.stderr[-3000:]
    line = next(l for l in gen.stdout.splitlines() if l.startswith("RESULT "))
    assert len(json.loads(line[len("RESULT "):])) >= 1


def test_lora_round_exports_an_adapter_peft_loads(ray_cluster, tiny_model_dir, corpus, tmp_path):
    out = tmp_path / "lora"
    args = train_args(out, corpus, tiny_model_dir, "train.method=lora", "train.lora_r=8", "train.lora_alpha=16", "train.epochs=1")
    proc = run_job(args, job_env(RAY_ADDRESS=ray_cluster[0]))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((out / "round.json").read_text())
    assert summary["method"] == "lora" and summary["base_model"] == str(tiny_model_dir)
    from ray_toolace.model.identity import folder_digest

    # what the endpoint checks before serving the adapter on its base (serve/catalog.py)
    assert summary["root_base"] == {"name_or_path": str(tiny_model_dir), "content": folder_digest(str(tiny_model_dir))}

    adapter = out / "model"
    config = json.loads((adapter / "adapter_config.json").read_text())
    # "all-linear": every attention and MLP projection of every layer, never the output head
    targets = {name.rsplit(".", 1)[-1] for name in config["target_modules"]}
    assert targets == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert config["r"] == 8 and config["base_model_name_or_path"] == str(tiny_model_dir)
    assert not (adapter / "model.safetensors").exists()  # an adapter, not a whole model

    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), adapter)
    lora_b = [p for n, p in model.named_parameters() if "lora_B" in n]
    assert len(lora_b) == 2 * 7  # 2 layers x 7 linear modules
    assert all(p.abs().sum() > 0 for p in lora_b)  # peft starts B at zero: these were trained


def test_killed_round_resumes_from_its_checkpoint(ray_cluster, tiny_model_dir, corpus, tmp_path):
    out = tmp_path / "resume"
    args = train_args(out, corpus, tiny_model_dir, "train.method=full", "train.checkpoint_every_steps=2", "train.epochs=2")
    crashed = run_job(args, job_env(RAY_ADDRESS=ray_cluster[0], RAY_TOOLACE_CRASH_AFTER_STEPS="2"))
    assert crashed.returncode == 137, crashed.stdout[-3000:] + crashed.stderr[-3000:]
    assert not (out / "round.json").exists()
    assert (out / "round-0" / "checkpoint_manager_snapshot.json").exists()

    done = run_job(args, job_env(RAY_ADDRESS=ray_cluster[0]))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "resuming after step 2" in done.stdout + done.stderr
    summary = json.loads((out / "round.json").read_text())
    assert summary["resumed_from"] == [0, 2]  # first attempt from 0, the second from step 2
    assert len(summary["loss"]) == summary["steps"] > 2  # each step once: steps 1-2 from the checkpoint
    assert (out / "model" / "model.safetensors").exists()

    again = run_job(args, job_env(RAY_ADDRESS=ray_cluster[0]))  # a finished round is not retrained
    assert again.returncode == 0 and json.loads((out / "round.json").read_text()) == summary


@pytest.mark.gpu
def test_fsdp_round_on_cuda(tiny_model_dir, corpus, tmp_path):
    out = tmp_path / "gpu"
    args = train_args(out, corpus, tiny_model_dir, "train.method=full", "train.use_gpu=true", "train.num_workers=1")
    proc = run_job(args, job_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    loss = json.loads((out / "round.json").read_text())["loss"]
    assert loss[-1] < loss[0]
