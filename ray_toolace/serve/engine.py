"""The vLLM engine as a Ray Serve deployment: one async engine per replica, shared by all requests.

Not run on its own: `ray_toolace.serve.app.build_app` binds it behind the HTTP ingress. Each
replica loads the model once (the default `smollm2-135m` is prepared on the replica's node) and
answers `generate` calls from any number of ingress replicas concurrently; vLLM batches whatever
is in flight (continuous batching), so `max_ongoing_requests` is the batch the replica accepts
and Serve's autoscaler adds replicas on ongoing requests per replica.

A LoRA adapter from a training round is applied per request (`use_lora`), so the same replica
serves both the base model and the round's model without merging weights.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ray import serve

from ray_toolace.config import Config
from ray_toolace.core.generation import Generation, TooLong

log = logging.getLogger("ray.serve")


@serve.deployment(
    name="VLLMEngine",
    # vLLM's CPU engine must be checked and restarted if its background process dies
    health_check_period_s=10,
    health_check_timeout_s=30,
    graceful_shutdown_timeout_s=20,
)
class EngineDeployment:
    def __init__(self, cfg_json: str, use_gpu: bool):
        from ray_toolace.engine.async_engine import AsyncEngine
        from ray_toolace.model.resolve import resolve_model

        cfg = Config.model_validate_json(cfg_json)
        start = time.perf_counter()
        model_path = resolve_model(cfg.model.name_or_path, cfg.model.cache_dir)
        self.engine = AsyncEngine(model_path, cfg.model, cfg.engine, lora_path=cfg.model.lora_adapter, use_gpu=use_gpu)
        self.has_lora = bool(cfg.model.lora_adapter)
        log.info("vLLM engine ready in %.1f s (model %s, lora %s)", time.perf_counter() - start, model_path, self.has_lora)

    async def generate(
        self, messages: list[dict[str, Any]], temperature: float, max_tokens: int, top_p: float = 1.0, use_lora: bool = True
    ) -> Generation | TooLong:
        """One answer, or TooLong: a prompt that does not fit comes back as data, not as a remote exception."""
        return await self.engine.generate(messages, temperature, max_tokens, top_p, use_lora and self.has_lora)

    async def ready(self) -> bool:
        """For the ingress's /health: True while the engine answers."""
        await self.engine.check_health()
        return True

    async def check_health(self) -> None:
        """Serve calls this every `health_check_period_s`; raising replaces the replica."""
        await self.engine.check_health()

    def __del__(self):
        # the engine's background process would otherwise outlive a replica that Serve stops
        engine = getattr(self, "engine", None)
        if engine is not None:
            try:
                engine.shutdown()
            except Exception:  # the interpreter may be half torn down already
                pass
