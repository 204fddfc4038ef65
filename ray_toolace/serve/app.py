"""The Serve application: an OpenAI-compatible HTTP ingress (FastAPI) in front of the vLLM engine.

Three ways to deploy it, all on loopback unless told otherwise:

    serve run ray_toolace.serve.app:app_builder config=configs/serve.yaml model.lora_adapter=DIR
        (development; Serve's default HTTP address, 127.0.0.1:8000; args are dotted overrides)
    serve deploy cluster/serve.yaml          (address and autoscaling from that file)
    ray job submit --working-dir . -- python jobs/serve.py --config configs/serve.yaml
        (serve.host / serve.port of the config; the job deploys, waits for /health, exits)

Routes: POST /v1/chat/completions (tool calling, adaptive self-refinement, stream=true as SSE),
POST /v1/refine (the native form: refine a given answer), GET /v1/models, GET /health (liveness:
the ingress answers, never queued behind generation), GET /ready (readiness: the engine answers
a call queued like generation, and the queue has room).
Every refusal is OpenAI's `{"error": {"message", "type", "param", "code"}}` with a 4xx status;
a bearer token is required when `serve.api_key` or env RAY_TOOLACE_API_KEY is set.

Served models: the base model (`serve.model_id`, default the model folder's name), plus
`<base>:<adapter folder>` with `model.lora_adapter`, or with `serve.rounds_from: <run_dir>` one
model per finished round of that run, `<base>:round-<t>` (serve/catalog.py decides, rounds.py
lists; the ingress keeps the listing `serve.rounds_refresh_s` and lists again for a name it does
not know, so a round that finishes while the endpoint runs is servable without a redeploy). A
request's `model` picks one; a name not served is a 404 `model_not_found`; a round whose model
cannot be loaded, or no room to load it, a 503.

Under load: each ingress replica runs at most `serve.max_ongoing_requests x serve.max_replicas`
requests and queues `serve.max_queued_requests` more; past that, 503 with Retry-After at once.
The whole request (body read, queueing, every model call) runs under one deadline
(`serve.request_timeout_s`, or the request's tighter `request_timeout_s`): 408 when the body
did not arrive in time, 504 when the answer did not. A dead or unreachable engine is a 503.
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
from ray.exceptions import RayError
from ray.serve.config import BackpressureConfig
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError
from ray.serve.handle import DeploymentHandle
from starlette.exceptions import HTTPException as StarletteHTTPException

from ray_toolace import storage
from ray_toolace.config import Config, load_config
from ray_toolace.core.run_location import RUNS_ROOT_ENV, resolve_run_dir
from ray_toolace.serve import responses
from ray_toolace.core.generation import Generation, TooLong
from ray_toolace.engine.placement import actor_resources, engines_on_gpu
from ray_toolace.engine.prompt import PromptRejected
from ray_toolace.serve.admission import Admission, Overloaded
from ray_toolace.serve.answer import Plan, PromptTooLong, answer, plan_for
from ray_toolace.serve.catalog import ListingPolicy, ModelsBusy, ModelUnavailable, ServedModel, UnknownModel, catalog, choose
from ray_toolace.serve.engine import EngineDeployment
from ray_toolace.serve.metrics import ServeMetrics
from ray_toolace.serve.protocol import ChatCompletionRequest, Limits, RefineRequest, RequestError, error_body, parse_request

API_KEY_ENV = "RAY_TOOLACE_API_KEY"
APP_NAME = "ray-toolace"
READY_TIMEOUT_S = 10  # a readiness call the engine does not answer in this time: not ready
# ingress slots beyond the admitted requests: liveness, /v1/models and fast refusals get in (ours)
INGRESS_HEADROOM = 64
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


def limits(cfg: Config) -> Limits:
    """What one request may ask of this server, and the defaults it falls back on.

    Defined above Ingress: Serve pickles the class when it is decorated, with the globals it
    uses that exist at that moment."""
    s = cfg.serve
    return Limits(
        max_tools=s.max_tools, max_messages=s.max_messages, max_refinements=s.max_refinements,
        max_fixed_refinements=s.max_fixed_refinements, max_tokens=s.max_tokens, max_request_tokens=s.max_request_tokens,
        force_attempts=s.force_attempts, default_refinements=cfg.refine.max_refinements,
        default_tokens=cfg.sampling.max_tokens,
    )


async def _read_body(request: Request, limit: int, discard_limit: int) -> bytes:
    """The body; past `limit` bytes a 413, after reading and dropping the rest up to
    `discard_limit` (answering while the client still sends makes it see a reset connection,
    not the 413). Never more than `limit` bytes are kept."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max(limit, discard_limit):
        raise RequestError(413, f"the request body has {declared} bytes; at most {limit} are accepted", code="body_too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > discard_limit:
            break
    if size > limit:
        raise RequestError(413, f"the request body exceeds {limit} bytes", code="body_too_large")
    return b"".join(chunks)


def _remaining(deadline: float) -> float:
    return deadline - time.monotonic()


@serve.deployment(name="Ingress", max_ongoing_requests=256)
@serve.ingress(api)
class Ingress:
    def __init__(self, engine: DeploymentHandle, cfg_json: str, api_key: str | None):
        self.engine = engine
        self.cfg = Config.model_validate_json(cfg_json)
        # the key lives only in this object: never in a log line, a response or the config
        self._api_key = (api_key or os.environ.get(API_KEY_ENV) or "").encode() or None
        self.base_id, self.adapter_id = model_ids(self.cfg)
        # with serve.rounds_from: what it held at the last listing, and when to list again
        self.rounds_from = self.cfg.serve.rounds_from
        self.catalog = catalog(self.base_id, [])
        self.refused: dict[str, str] = {}  # finished rounds left out (trained on another base): why
        self._base_content: str | None = None  # the served base's content digest, from the engine
        self._base_known = False
        self.listing = ListingPolicy(self.cfg.serve.rounds_refresh_s)
        self._listing: asyncio.Task | None = None
        self._listing_error: str | None = None
        self.limits = limits(self.cfg)
        s = self.cfg.serve
        self.admission = Admission(s.max_ongoing_requests * s.max_replicas, s.max_queued_requests)
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

    def _unavailable(self, message: str, code: str) -> RequestError:
        return RequestError(503, message, code=code, type="server_error", retry_after_s=self.cfg.serve.retry_after_s)

    async def _guarded(self, route: str, request: Request, work: Callable[[float], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        deadline = time.monotonic() + self.cfg.serve.request_timeout_s  # the request's tighter one comes later
        try:
            self._authorize(request)
            response = await work(deadline)
        except RequestError as e:
            headers = {}
            if e.status == 401:
                headers["WWW-Authenticate"] = "Bearer"
            if e.retry_after_s is not None:
                headers["Retry-After"] = str(e.retry_after_s)
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

    async def _relist(self) -> None:
        """List serve.rounds_from again; one listing at a time, the others wait for it. A listing
        that fails keeps the last catalog (logged; an unknown name then gets a 503, not a 404)."""
        if self._listing is None or self._listing.done():
            self._listing = asyncio.create_task(self._list())
        await asyncio.shield(self._listing)

    async def _list(self) -> None:
        from ray_toolace.serve.rounds import list_served

        try:
            if not self._base_known:  # asked once: every engine replica serves the same base
                self._base_content = await self.engine.base_content.remote()
                self._base_known = True
            self.catalog, refused = await asyncio.to_thread(list_served, self.base_id, self.rounds_from,
                                                            self._base_content)
            for model_id in refused.keys() - self.refused.keys():  # once each, not every listing
                log.warning("not serving %s: %s", model_id, refused[model_id])
            self.refused = refused
            self._listing_error = None
        except Exception as e:  # S3 down, permissions: keep serving what was listed before
            log.warning("listing %s failed: %s: %s", self.rounds_from, type(e).__name__, e)
            self._listing_error = f"{type(e).__name__}"
        self.listing.listed_at = time.monotonic()

    async def _served(self, requested: str | None, deadline: float) -> tuple[str, bool, ServedModel | None]:
        """(served name, apply model.lora_adapter?, the round to answer with) for a request's `model`."""
        if not self.rounds_from:
            return (*self._model(requested), None)
        if self.listing.relist_for(requested, requested in self.catalog, time.monotonic()):
            try:  # a slow store waits no longer than the request may (the listing goes on)
                await asyncio.wait_for(self._relist(), max(_remaining(deadline), 0))
            except asyncio.TimeoutError:
                if requested not in self.catalog:
                    raise self._unavailable("the run directory could not be listed in time; try again later",
                                            "model_listing_failed") from None
        try:
            model = choose(self.catalog, requested, self.refused)
        except UnknownModel as e:
            if self._listing_error:
                raise self._unavailable(f"model {requested!r} is unknown and the run directory could not be listed "
                                        f"({self._listing_error}); try again later", "model_listing_failed") from None
            raise RequestError(404, str(e), "model", "model_not_found") from None
        return model.id, False, model

    async def _body(self, request: Request, deadline: float) -> bytes:
        s = self.cfg.serve
        try:
            return await asyncio.wait_for(_read_body(request, s.max_body_bytes, s.max_discard_bytes), _remaining(deadline))
        except asyncio.TimeoutError:
            raise RequestError(408, f"the request body did not arrive within {s.request_timeout_s:g} s",
                               code="request_timeout") from None

    async def _parse(self, request: Request, deadline: float, model: type) -> Any:
        body = await self._body(request, deadline)
        # validation is pure Python and bounded, but a megabyte of JSON takes a while: off the loop
        return await asyncio.to_thread(parse_request, body, model, self.limits)

    async def _generate(self, messages: list[dict[str, Any]], temperature: float, max_tokens: int, top_p: float,
                        use_lora: bool, model: ServedModel | None = None) -> Generation | TooLong:
        """One engine call; the engine's failures become the client's 400 or a 503."""
        try:
            if model is None:  # the call as it always was: any engine replica version takes it
                return await self.engine.generate.remote(messages, temperature, max_tokens, top_p, use_lora)
            return await self.engine.generate.remote(messages, temperature, max_tokens, top_p, use_lora, model)
        except PromptRejected as e:  # raised in the replica, re-raised here as an instance of it
            cause = getattr(e, "cause", e)
            raise RequestError(400, f"the model's chat template refused the conversation: {cause}",
                               "messages", "invalid_conversation") from None
        except ModelsBusy as e:
            raise self._unavailable(f"model {model.id!r} is not loaded and {getattr(e, 'cause', e)}; try again later",
                                    "model_capacity") from None
        except ModelUnavailable as e:
            raise self._unavailable(f"model cannot be served: {getattr(e, 'cause', e)}", "model_unavailable") from None
        except BackPressureError:
            raise self._unavailable("the model engine's queue is full; try again later", "overloaded") from None
        except (RayError, DeploymentUnavailableError) as e:
            log.warning("engine call failed: %s", type(e).__name__)
            raise self._unavailable("the model engine is unavailable; try again later", "engine_unavailable") from None

    async def _answer(self, route: str, plan: Plan, req: Any, use_lora: bool, deadline: float,
                      model: ServedModel | None = None):
        top_p = req.top_p or 1.0

        async def generate(messages: list[dict[str, Any]], temperature: float, max_tokens: int) -> Generation | TooLong:
            return await self._generate(messages, temperature, max_tokens, top_p, use_lora, model)

        async def admitted() -> Any:
            async with self.admission.slot():
                return await answer(plan, generate)

        timeout = self.cfg.serve.request_timeout_s
        if req.request_timeout_s is not None and req.request_timeout_s < timeout:
            arrival = deadline - timeout  # the client's deadline counts from the same moment
            timeout = req.request_timeout_s
            deadline = arrival + timeout
        try:
            # cancelling the wait cancels the engine call in flight, which aborts it inside vLLM
            result = await asyncio.wait_for(admitted(), max(_remaining(deadline), 0))
        except asyncio.TimeoutError:
            raise RequestError(504, f"no answer within {timeout:g} s; the request was cancelled",
                               code="timeout", type="timeout_error") from None
        except Overloaded as e:
            raise self._unavailable(f"the server is at capacity ({e}); try again later", "overloaded") from None
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
        async def work(deadline: float) -> Response:
            req = await self._parse(request, deadline, ChatCompletionRequest)
            model_id, use_lora, model = await self._served(req.model, deadline)
            result = await self._answer("chat", plan_for(req, self.limits, self.cfg.prompt.answer_format), req, use_lora,
                                        deadline, model)
            request_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
            if req.stream:
                include_usage = bool(req.stream_options and req.stream_options.include_usage)
                events = responses.stream_events(result, model_id, request_id, created, include_usage)
                return StreamingResponse(iter(events), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
            return JSONResponse(responses.chat_completion(result, model_id, request_id, created))

        return await self._guarded("chat", request, work)

    @api.post("/v1/refine")
    async def refine(self, request: Request) -> Response:
        async def work(deadline: float) -> Response:
            req = await self._parse(request, deadline, RefineRequest)
            model_id, use_lora, model = await self._served(req.model, deadline)
            result = await self._answer("refine", plan_for(req, self.limits, self.cfg.prompt.answer_format), req, use_lora,
                                        deadline, model)
            return JSONResponse(responses.refine_result(result, model_id))

        return await self._guarded("refine", request, work)

    @api.get("/v1/models")
    async def models(self, request: Request) -> Response:
        async def work(deadline: float) -> Response:
            if self.rounds_from:
                if self.listing.stale(time.monotonic()):
                    await self._relist()
                ids = list(self.catalog)
            else:
                ids = [m for m in (self.base_id, self.adapter_id) if m]
            return JSONResponse(responses.models_list(ids, int(time.time())))

        return await self._guarded("models", request, work)

    @api.get("/health")
    async def health(self) -> Response:
        # liveness, open without a key: this replica's event loop answers; no engine call, so a
        # replica busy generating never looks dead
        return JSONResponse({"status": "ok"})

    @api.get("/ready")
    async def ready(self) -> Response:
        # readiness, open without a key: room in the queue, and the engine answers a call that
        # waits for an engine slot as generation does
        retry = {"Retry-After": str(self.cfg.serve.retry_after_s)}
        if self.admission.full:
            return JSONResponse({"status": "overloaded"}, 503, headers=retry)
        try:
            await asyncio.wait_for(self.engine.ready.remote(), READY_TIMEOUT_S)
        except Exception as e:
            log.warning("readiness check failed: %s", type(e).__name__)
            return JSONResponse({"status": "unavailable"}, 503, headers=retry)
        return JSONResponse({"status": "ready"})


def build_app(cfg: Config):
    """The bound Serve application for `cfg` (engine deployment behind the ingress)."""
    problem = limits(cfg).defaults_error()
    if problem:  # every request would be refused: say so at deploy time instead
        raise ValueError(f"serve config: {problem}")
    if cfg.serve.rounds_from:
        if cfg.model.lora_adapter:
            raise ValueError("serve config: give model.lora_adapter or serve.rounds_from, not both "
                             "(serve.rounds_from serves every round's adapter already)")
        # replicas run in other folders: the run directory travels as an absolute path
        root = cfg.runs_root or os.environ.get(RUNS_ROOT_ENV)
        where = storage.absolute(resolve_run_dir(cfg.serve.rounds_from, os.getcwd(), root))
        cfg = cfg.model_copy(update={"serve": cfg.serve.model_copy(update={"rounds_from": where})})
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
        # per caller: an ingress's calls past this raise BackPressureError, answered as 503
        max_queued_requests=cfg.serve.max_queued_requests,
        ray_actor_options=actor_resources(cfg.engine, use_gpu),
    ).bind(safe.model_dump_json(), use_gpu)
    s = cfg.serve
    admitted = s.max_ongoing_requests * s.max_replicas + s.max_queued_requests
    # the ingress does no heavy work: no CPU reserved, so it never competes with an engine. Its
    # own admission (see Ingress) refuses past `admitted`, in OpenAI's error shape; Serve's bound
    # beyond that (a plain-text 503 with Retry-After) is only a backstop. Serve counts every
    # request of a burst as queued until it takes its slot, a loop turn later, so that bound
    # gets the same headroom: a small one dropped bursts the ingress had room for
    return Ingress.options(
        ray_actor_options={"num_cpus": 0},
        max_ongoing_requests=admitted + INGRESS_HEADROOM,
        max_queued_requests=admitted + INGRESS_HEADROOM,
        backpressure_config=BackpressureConfig(status_code=503, retry_after_s=s.retry_after_s),
    ).bind(engine, safe.model_dump_json(), api_key)


def app_builder(args: dict[str, Any]):
    """For `serve run` / `serve deploy`: `config=<yaml>` plus dotted overrides as key=value."""
    args = dict(args)
    path = args.pop("config", None)
    return build_app(load_config(path, [f"{k}={v}" for k, v in args.items()]))
