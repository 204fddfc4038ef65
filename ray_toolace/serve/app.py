"""The Serve application: an OpenAI-compatible HTTP ingress (FastAPI) in front of the vLLM engine.

Three ways to deploy it, all on loopback unless told otherwise:

    serve run ray_toolace.serve.app:app_builder config=configs/serve.yaml model.lora_adapter=DIR
        (development; Serve's default HTTP address, 127.0.0.1:8000; args are dotted overrides)
    serve deploy cluster/serve.yaml          (address and autoscaling from that file)
    ray job submit --working-dir . -- python jobs/serve.py --config configs/serve.yaml
        (serve.host / serve.port of the config; the job deploys, waits for /health, exits)

Routes: POST /v1/chat/completions (tool calling, adaptive self-refinement, stream=true as SSE),
POST /v1/refine (the native form: refine a given answer), GET /v1/models, GET /health.
Every refusal is OpenAI's `{"error": {"message", "type", "param", "code"}}` with a 4xx status;
a bearer token is required when `serve.api_key` or env RAY_TOOLACE_API_KEY is set.
The request logic (validation, the refinement loop, response bodies) is pure code in
protocol.py, answer.py and responses.py; this module only wires it to HTTP and to the engine.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from ray import serve
from ray.serve.handle import DeploymentHandle
from starlette.exceptions import HTTPException as StarletteHTTPException

from ray_toolace.config import Config, load_config
from ray_toolace.serve import responses
from ray_toolace.core.generation import Generation, TooLong
from ray_toolace.engine.placement import actor_resources, engines_on_gpu
from ray_toolace.serve.answer import Plan, PromptTooLong, answer
from ray_toolace.serve.engine import EngineDeployment
from ray_toolace.serve.metrics import ServeMetrics
from ray_toolace.serve.protocol import ChatCompletionRequest, Limits, RefineRequest, RequestError, error_body, parse_request

API_KEY_ENV = "RAY_TOOLACE_API_KEY"
APP_NAME = "ray-toolace"
log = logging.getLogger("ray.serve")

api = FastAPI(title="ray_toolace", docs_url=None, redoc_url=None, openapi_url=None)


@api.exception_handler(StarletteHTTPException)
async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    # unknown routes and methods answer in OpenAI's error shape too
    return JSONResponse(error_body(str(exc.detail), "invalid_request_error", code=f"http_{exc.status_code}"), exc.status_code)


def model_ids(cfg: Config) -> tuple[str, str | None]:
    """The served names: the base model's, and the adapter's when a round's adapter is loaded."""
    base = cfg.serve.model_id or Path(cfg.model.name_or_path.rstrip("/")).name
    adapter = f"{base}:{Path(cfg.model.lora_adapter.rstrip('/')).name}" if cfg.model.lora_adapter else None
    return base, adapter


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` (never read whole first)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestError(413, f"the request body has {declared} bytes; at most {limit} are accepted", code="body_too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, f"the request body exceeds {limit} bytes", code="body_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


@serve.deployment(name="Ingress", max_ongoing_requests=256)
@serve.ingress(api)
class Ingress:
    def __init__(self, engine: DeploymentHandle, cfg_json: str, api_key: str | None):
        self.engine = engine
        self.cfg = Config.model_validate_json(cfg_json)
        # the key lives only in this object: never in a log line, a response or the config
        self._api_key = (api_key or os.environ.get(API_KEY_ENV) or "").encode() or None
        self.base_id, self.adapter_id = model_ids(self.cfg)
        self.limits = Limits(self.cfg.serve.max_tools, self.cfg.serve.max_messages)
        self.metrics = ServeMetrics()

    # ---- plumbing shared by every route ------------------------------------------------------

    def _authorize(self, request: Request) -> None:
        if self._api_key is None:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise RequestError(401, "missing API key: send the header 'Authorization: Bearer <key>'",
                               code="missing_api_key", type="authentication_error")
        # constant-time comparison, so response timing reveals nothing about the key
        if not hmac.compare_digest(token.strip().encode(), self._api_key):
            raise RequestError(401, "invalid API key", code="invalid_api_key", type="authentication_error")

    async def _guarded(self, route: str, request: Request, work: Callable[[], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        try:
            self._authorize(request)
            response = await work()
        except RequestError as e:
            headers = {"WWW-Authenticate": "Bearer"} if e.status == 401 else None
            response = JSONResponse(e.body(), e.status, headers=headers)
            self.metrics.error(route, e.code)
        except Exception:  # a bug or a dead engine: a 500 with no internals, the trace in the log
            log.exception("%s failed", route)
            response = JSONResponse(error_body("internal server error", "server_error", code="internal_error"), 500)
            self.metrics.error(route, "internal_error")
        elapsed = time.perf_counter() - start
        self.metrics.request(route, response.status_code, elapsed)
        log.info("%s -> %d in %.2f s", route, response.status_code, elapsed)
        return response

    def _model(self, requested: str | None) -> tuple[str, bool]:
        """(served name, apply the adapter?) for the request's `model` field."""
        default = self.adapter_id or self.base_id
        if not requested or requested == default:
            return default, self.adapter_id is not None
        if requested == self.base_id:
            return self.base_id, False
        served = ", ".join(m for m in (self.base_id, self.adapter_id) if m)
        raise RequestError(404, f"model {requested!r} is not served here; served: {served}", "model", "model_not_found")

    def _plan(self, req: Any, mode: str) -> Plan:
        tools = req.tool_schemas()
        if mode == "named":
            tools = [t for t in tools if t["name"] == req.tool_choice.function.name]
        previous = req.previous_answer
        return Plan(
            tools=tools,
            messages=req.turns(),
            mode=mode,
            max_refinements=self.cfg.refine.max_refinements if req.max_refinements is None else req.max_refinements,
            schedule=req.refine_schedule,
            temperature=req.temperature or 0.0,
            max_tokens=req.answer_tokens(self.cfg.sampling.max_tokens),
            previous_answer=[tc.model_dump() for tc in previous] if isinstance(previous, list) else previous,
            fmt=self.cfg.prompt.answer_format,
            force_attempts=self.cfg.serve.force_attempts,
        )

    async def _answer(self, route: str, plan: Plan, req: Any, use_lora: bool):
        top_p = req.top_p or 1.0

        async def generate(messages: list[dict[str, Any]], temperature: float, max_tokens: int) -> Generation | TooLong:
            return await self.engine.generate.remote(messages, temperature, max_tokens, top_p, use_lora)

        timeout = min(self.cfg.serve.request_timeout_s, req.request_timeout_s or float("inf"))
        try:
            # cancelling the wait cancels the engine call in flight, which aborts it inside vLLM
            result = await asyncio.wait_for(answer(plan, generate), timeout)
        except asyncio.TimeoutError:
            raise RequestError(504, f"no answer within {timeout:g} s; the request was cancelled",
                               code="timeout", type="timeout_error") from None
        except PromptTooLong as e:
            raise RequestError(400, f"{e}; shorten the conversation, the tools or max_tokens",
                               "messages", "context_length_exceeded") from None
        self.metrics.refinement(route, result.model_calls, result.trace.get("stop_reason"))
        if result.unmet:
            raise RequestError(
                422,
                f"tool_choice {plan.mode!r} needs a function call, but the model made none "
                f"(after refinement and {plan.force_attempts} forced attempt(s)); see 'refinement'",
                "tool_choice", "tool_call_required", type="model_error", extra={"refinement": result.trace},
            )
        return result

    # ---- routes ---------------------------------------------------------------------------------

    @api.post("/v1/chat/completions")
    async def chat_completions(self, request: Request) -> Response:
        async def work() -> Response:
            req = parse_request(await _read_body(request, self.cfg.serve.max_body_bytes), ChatCompletionRequest, self.limits)
            model_id, use_lora = self._model(req.model)
            result = await self._answer("chat", self._plan(req, req.choice_mode()), req, use_lora)
            request_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
            if req.stream:
                include_usage = bool(req.stream_options and req.stream_options.include_usage)
                events = responses.stream_events(result, model_id, request_id, created, include_usage)
                return StreamingResponse(iter(events), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
            return JSONResponse(responses.chat_completion(result, model_id, request_id, created))

        return await self._guarded("chat", request, work)

    @api.post("/v1/refine")
    async def refine(self, request: Request) -> Response:
        async def work() -> Response:
            req = parse_request(await _read_body(request, self.cfg.serve.max_body_bytes), RefineRequest, self.limits)
            model_id, use_lora = self._model(req.model)
            result = await self._answer("refine", self._plan(req, "auto"), req, use_lora)
            return JSONResponse(responses.refine_result(result, model_id))

        return await self._guarded("refine", request, work)

    @api.get("/v1/models")
    async def models(self, request: Request) -> Response:
        async def work() -> Response:
            ids = [m for m in (self.base_id, self.adapter_id) if m]
            return JSONResponse(responses.models_list(ids, int(time.time())))

        return await self._guarded("models", request, work)

    @api.get("/health")
    async def health(self) -> Response:
        # open without a key, for load balancers; says only whether the engine answers
        try:
            await asyncio.wait_for(self.engine.ready.remote(), 10)
        except Exception as e:
            log.warning("health check failed: %s", type(e).__name__)
            return JSONResponse({"status": "unavailable"}, 503)
        return JSONResponse({"status": "ok"})


def build_app(cfg: Config):
    """The bound Serve application for `cfg` (engine deployment behind the ingress)."""
    api_key = cfg.serve.api_key or os.environ.get(API_KEY_ENV) or None
    # the config travels to the replicas without the key; the key goes to the ingress alone
    safe = cfg.model_copy(update={"serve": cfg.serve.model_copy(update={"api_key": None})})
    # `serve run` calls this before it connects to Ray: never start a cluster of our own here
    use_gpu = engines_on_gpu(cfg, connect=False)
    engine = EngineDeployment.options(
        autoscaling_config={
            "min_replicas": cfg.serve.min_replicas,
            "initial_replicas": max(cfg.serve.min_replicas, 1),  # an engine takes ~30-60 s to start
            "max_replicas": cfg.serve.max_replicas,
            "target_ongoing_requests": cfg.serve.target_ongoing_requests,
        },
        max_ongoing_requests=cfg.serve.max_ongoing_requests,
        ray_actor_options=actor_resources(cfg.engine, use_gpu),
    ).bind(safe.model_dump_json(), use_gpu)
    # the ingress does no heavy work: no CPU reserved, so it never competes with an engine
    return Ingress.options(ray_actor_options={"num_cpus": 0}).bind(engine, safe.model_dump_json(), api_key)


def app_builder(args: dict[str, Any]):
    """For `serve run` / `serve deploy`: `config=<yaml>` plus dotted overrides as key=value."""
    args = dict(args)
    path = args.pop("config", None)
    return build_app(load_config(path, [f"{k}={v}" for k, v in args.items()]))
