"""The vLLM engine as a Ray Serve deployment: one async engine per replica, shared by all requests.

Not run on its own: `ray_toolace.serve.app.build_app` binds it behind the HTTP ingress. Each
replica loads the model once (the default `smollm2-135m` is prepared on the replica's node) and
answers `generate` calls from any number of ingress replicas concurrently; vLLM batches whatever
is in flight (continuous batching), so `max_ongoing_requests` is the batch the replica accepts
and Serve's autoscaler adds replicas on ongoing requests per replica.

A LoRA adapter from a training round is applied per request (`use_lora`), so the same replica
serves both the base model and the round's model without merging weights.

With `serve.rounds_from` every finished round of a run is served too (serve/catalog.py); the
ingress names the round (a ServedModel) in each call, and `ServedEngines` (plain Python, no
Serve) finds its engine, loading it on first use:

- adapters applied per request (`engine.merge_lora` false: by default on GPUs): one engine with
  `serve.max_adapters` LoRA slots (vLLM's max_loras), a `LoRARequest` per request, vLLM loading
  each adapter on first use and evicting the least recently used;
- merged (by default on CPU, where vLLM's LoRA kernels made a round's evaluation well over twice
  as slow as the same model merged, model/merge.py): the adapter is merged once into a whole
  model folder (cached beside it: an iterate run's evaluation has usually written it already)
  and that folder gets an engine of its own, at most `serve.max_loaded_models` of them beside
  the base, least recently used out, never one with requests in flight. Adding one costs an
  engine start and its memory (README, Measured); answering on it costs what the base does.
  A round trained in full is such a whole model on either path.

One load runs at a time per replica (ours: the CPU and the memory a start takes). A request that
gives up while its round loads does not stop the load: the next one finds the model ready.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from ray import serve

from ray_toolace.config import Config
from ray_toolace.core.generation import Generation, TooLong
from ray_toolace.serve.catalog import LoadedModels, ModelUnavailable, ServedModel, adapter_problem

log = logging.getLogger("ray.serve")


class ServedEngines:
    """The base model's engine plus the rounds' models of one replica (see the module docstring)."""

    def __init__(self, cfg: Config, model_path: str, use_gpu: bool):
        from ray_toolace.engine.async_engine import AsyncEngine
        from ray_toolace.engine.placement import merges_lora
        from ray_toolace.model.identity import model_identity

        self.cfg, self.model_path, self.use_gpu = cfg, model_path, use_gpu
        rounds = bool(cfg.serve.rounds_from)
        # what the rounds' adapters must have been trained on (serve/catalog.py, on_base)
        self.base_content = model_identity(model_path)["content"] if rounds else None
        self.merge = merges_lora(cfg.engine.merge_lora, use_gpu)
        lora_slots = cfg.serve.max_adapters if rounds and not self.merge else None
        self.base = AsyncEngine(model_path, cfg.model, cfg.engine, lora_path=cfg.model.lora_adapter, use_gpu=use_gpu,
                                max_loras=lora_slots)
        self.has_lora = bool(cfg.model.lora_adapter)
        self.loaded = LoadedModels(cfg.serve.max_loaded_models)
        self.engines: dict[str, Any] = {}  # ServedModel.key -> AsyncEngine, a whole model each
        self._loading: dict[str, asyncio.Task] = {}
        self._lock: asyncio.Lock | None = None  # made on the replica's event loop, at first use
        self._folders: dict[str, str] = {}  # ServedModel.key -> its local folder (adapters)
        self._lora_ids: dict[str, int] = {}  # ServedModel.key -> vLLM's int id (1 is model.lora_adapter's)

    async def generate(self, messages: list[dict[str, Any]], temperature: float, max_tokens: int, top_p: float,
                       use_lora: bool, model: ServedModel | None) -> Generation | TooLong:
        if model is None or model.kind == "base":
            return await self.base.generate(messages, temperature, max_tokens, top_p, use_lora and self.has_lora)
        if model.kind == "lora" and not self.merge:
            adapter = await self._adapter(model)
            return await self.base.generate(messages, temperature, max_tokens, top_p, False, adapter=adapter)
        engine = await self._acquire(model)
        try:
            return await engine.generate(messages, temperature, max_tokens, top_p, False)
        finally:
            self.loaded.release(model.key)

    # ---- adapters applied per request ------------------------------------------------------------

    async def _adapter(self, model: ServedModel) -> tuple[str, int, str]:
        folder = self._folders.get(model.key)
        if folder is None:
            folder = await asyncio.to_thread(self._checked_adapter, model)
            self._folders[model.key] = folder
        lora_id = self._lora_ids.setdefault(model.key, len(self._lora_ids) + 2)
        return model.key, lora_id, folder

    def _checked_adapter(self, model: ServedModel) -> str:
        from ray_toolace.serve.rounds import local_model_folder

        try:
            folder = local_model_folder(model, self.cfg.model.cache_dir)
            path = os.path.join(folder, "adapter_config.json")
            config = json.loads(Path(path).read_text(encoding="utf-8")) if os.path.isfile(path) else None
        except (OSError, ValueError) as e:
            raise ModelUnavailable(f"{model.id}: {type(e).__name__}: {str(e)[:300]}") from None
        problem = adapter_problem(config, self.cfg.engine.max_lora_rank)
        if problem:
            raise ModelUnavailable(f"{model.id}: {problem}")
        return folder

    # ---- whole-model engines (merged rounds) -------------------------------------------------------

    async def _acquire(self, model: ServedModel):
        """The model's engine, loaded if need be, counted in use until `loaded.release`."""
        key = model.key
        while key not in self.engines:
            task = self._loading.get(key)
            if task is None:
                task = self._loading[key] = asyncio.create_task(self._load(model))
                task.add_done_callback(lambda t, k=key: self._loaded(t, k))
            await asyncio.shield(task)  # a request that gives up leaves the load running
        self.loaded.acquire(key)
        return self.engines[key]

    def _loaded(self, task: asyncio.Task, key: str) -> None:
        self._loading.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here: every waiter may have given up (logged in _load)

    async def _load(self, model: ServedModel) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if model.key in self.engines:
                return
            start = time.perf_counter()
            folder = await asyncio.to_thread(self._whole_model_folder, model)
            for victim in self.loaded.victims():  # raises ModelsBusy: nothing idle to unload
                await self._unload(victim)
            from ray_toolace.engine.async_engine import AsyncEngine

            model_cfg = self.cfg.model.model_copy(update={"name_or_path": folder, "lora_adapter": None})
            try:
                engine = await asyncio.to_thread(AsyncEngine, folder, model_cfg, self.cfg.engine, None, self.use_gpu)
            except Exception as e:
                log.exception("engine for %s failed to start", model.id)
                raise ModelUnavailable(f"{model.id}: its engine failed to start ({type(e).__name__})") from None
            self.engines[model.key] = engine
            self.loaded.add(model.key)
            log.info("serving %s from %s (engine started in %.1f s)", model.id, folder, time.perf_counter() - start)

    def _whole_model_folder(self, model: ServedModel) -> str:
        """The round's model as a whole local folder: merged onto the served base if an adapter."""
        from ray_toolace.model.merge import merge_adapter
        from ray_toolace.serve.rounds import local_model_folder

        try:
            folder = local_model_folder(model, self.cfg.model.cache_dir)
            if model.kind == "lora":
                folder = merge_adapter(folder, base=self.model_path)
            if not os.path.isfile(os.path.join(folder, "config.json")):
                raise FileNotFoundError(f"{folder} holds no model (config.json)")
            return folder
        except Exception as e:  # a missing, partial or foreign folder: the client's 503, not a 500
            log.warning("cannot serve %s: %s: %s", model.id, type(e).__name__, e)
            raise ModelUnavailable(f"{model.id}: {type(e).__name__}: {str(e)[:300]}") from None

    async def _unload(self, key: str) -> None:
        engine = self.engines.pop(key, None)
        self.loaded.remove(key)
        if engine is not None:
            log.info("unloading %s (least recently used)", key)
            await asyncio.to_thread(engine.shutdown)

    # ---- health ---------------------------------------------------------------------------------

    async def check_health(self) -> None:
        """Raises when the base engine died; a dead round engine is dropped (loaded again on use)."""
        await self.base.check_health()
        for key, engine in list(self.engines.items()):
            try:
                await engine.check_health()
            except Exception as e:
                log.warning("the engine of %s died (%s): dropped", key, type(e).__name__)
                self.engines.pop(key, None)
                self.loaded.remove(key)

    def shutdown(self) -> None:
        for engine in [self.base, *self.engines.values()]:
            try:
                engine.shutdown()
            except Exception:  # the interpreter may be half torn down already
                pass
        self.engines.clear()


@serve.deployment(
    name="VLLMEngine",
    # vLLM's CPU engine must be checked and restarted if its background process dies
    health_check_period_s=10,
    health_check_timeout_s=30,
    graceful_shutdown_timeout_s=20,
)
class EngineDeployment:
    def __init__(self, cfg_json: str, use_gpu: bool):
        from ray_toolace.model.resolve import resolve_model

        cfg = Config.model_validate_json(cfg_json)
        start = time.perf_counter()
        model_path = resolve_model(cfg.model.name_or_path, cfg.model.cache_dir)
        self.engines = ServedEngines(cfg, model_path, use_gpu)
        log.info("vLLM engine ready in %.1f s (model %s, lora %s, rounds from %s)", time.perf_counter() - start,
                 model_path, self.engines.has_lora, cfg.serve.rounds_from)

    async def generate(
        self, messages: list[dict[str, Any]], temperature: float, max_tokens: int, top_p: float = 1.0, use_lora: bool = True,
        model: ServedModel | None = None,
    ) -> Generation | TooLong:
        """One answer, or TooLong: a prompt that does not fit comes back as data, not as a remote
        exception. `model`: a served round (None: the base, with model.lora_adapter if `use_lora`)."""
        return await self.engines.generate(messages, temperature, max_tokens, top_p, use_lora, model)

    async def base_content(self) -> str | None:
        """The content digest of the served base model's folder (with serve.rounds_from; None
        without, or for a base that is no local folder): the ingress serves only rounds trained on it."""
        return self.engines.base_content

    async def ready(self) -> bool:
        """For the ingress's /health: True while the engine answers."""
        await self.engines.base.check_health()
        return True

    async def check_health(self) -> None:
        """Serve calls this every `health_check_period_s`; raising replaces the replica."""
        await self.engines.check_health()

    def __del__(self):
        # the engines' background processes would otherwise outlive a replica that Serve stops
        engines = getattr(self, "engines", None)
        if engines is not None:
            engines.shutdown()
