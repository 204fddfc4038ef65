"""The Serve endpoint for real: deployed once per module through `ray job submit` (jobs/serve.py)
onto a local Ray cluster, vLLM's CPU build running the tiny random model plus a LoRA adapter,
and called with the `openai` SDK and raw HTTP on 127.0.0.1.

A random model never writes a tool call by itself, so the tool_calls path is driven through
`previous_answer` (a draft the server refines, or with max_refinements=0 returns as it is);
every other request goes through the engine. Covers: /health, /v1/models, bearer auth, tool
calls round-tripping, tool_choice auto/none/required/named, the refinement trace, the fixed
schedule, streaming with the SDK, the adapter, bad input (4xx, never 500), odd but valid input
through the engine and chat template, a 20 MB body answered with 413, the per-request timeout,
concurrency, overload answered with a fast 503 while liveness stays quick, and the Prometheus
metrics. Takes about 3-5 minutes, most of it the engine's start.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest
import yaml

from conftest import BIN, ROOT, free_port, job_env, local_cluster, wait_for

KEY = "test-key-7f3a"  # what the deployment is given through the cluster's environment
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}}}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]
MAX_BODY = 65536
RUNNING, QUEUED = 4, 4  # the deployment's capacity: admitted at once, and waiting beyond that
STOP_REASONS = {"converged", "max_refinements", "disabled", "prompt_too_long"}


def test_shipped_deploy_configs_are_valid():
    """cluster/serve.yaml passes Serve's own schema and builds; configs/serve.yaml loads."""
    from ray.serve.schema import ServeDeploySchema

    from ray_toolace.config import load_config
    from ray_toolace.serve.app import app_builder

    deploy = ServeDeploySchema.model_validate(yaml.safe_load((ROOT / "cluster" / "serve.yaml").read_text()))
    app = deploy.applications[0]
    assert deploy.http_options.host == "127.0.0.1"
    engine = next(d for d in app.deployments if d.name == "VLLMEngine")
    assert engine.autoscaling_config["max_replicas"] >= engine.autoscaling_config["min_replicas"] >= 1
    assert type(app_builder({**app.args, "engine.use_gpu": "false"})).__name__ == "Application"
    assert load_config(ROOT / "configs" / "serve.yaml").serve.host == "127.0.0.1"


@pytest.fixture(scope="module")
def serve_cluster():
    """A Ray head of this module's own: Serve's proxy and applications are cluster-wide state,
    so sharing a cluster would couple modules. The key reaches jobs and replicas through the
    cluster's own environment: a runtime_env env var would work too, but Ray's runtime-env
    agent writes runtime envs to its log."""
    with local_cluster("rts-", RAY_TOOLACE_API_KEY=KEY) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def endpoint(serve_cluster, tiny_model_dir, tiny_lora_dir):
    """The application, deployed by the job entry point; yields (base URL, base id, adapter id)."""
    _, dashboard, _ = serve_cluster
    port = free_port()
    # the config's relative run_dir is kept: the serve job writes only its own logs there
    cmd = [
        str(BIN / "ray"), "job", "submit", "--address", dashboard, "--working-dir", str(ROOT),
        "--",
        "python", "jobs/serve.py", "--config", "configs/serve.yaml",
        f"model.name_or_path={tiny_model_dir}", f"model.lora_adapter={tiny_lora_dir}", "model.max_model_len=1024",
        "engine.cpu_kvcache_gb=1", "engine.enforce_eager=true", "engine.max_lora_rank=8", "sampling.max_tokens=16", f"serve.port={port}",
        f"serve.max_body_bytes={MAX_BODY}", "serve.max_tools=4", "serve.max_messages=8", "engine.use_gpu=false",
        f"serve.max_ongoing_requests={RUNNING}", f"serve.max_queued_requests={QUEUED}", "serve.retry_after_s=3",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=job_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0 and "succeeded" in proc.stdout, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert KEY not in proc.stdout + proc.stderr  # the key is never printed
    base = Path(tiny_model_dir).name
    yield f"http://127.0.0.1:{port}", base, f"{base}:{Path(tiny_lora_dir).name}"
    subprocess.run([str(BIN / "serve"), "shutdown", "-y", "--address", dashboard], env=job_env(), capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def client(endpoint):
    return openai.OpenAI(base_url=f"{endpoint[0]}/v1", api_key=KEY, max_retries=0, timeout=120)


def post(endpoint, path, body, key=KEY, **kw):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return httpx.post(f"{endpoint[0]}{path}", content=raw, headers={**headers, "Content-Type": "application/json"}, timeout=120, **kw)


def check_trace(trace, previous_given=False):
    """The refinement trace is well formed, whatever the model said."""
    steps = trace["steps"]
    assert [s["index"] for s in steps] == list(range(len(steps))) and steps[0]["changed"] is True
    assert trace["stop_reason"] in STOP_REASONS
    if trace["stop_reason"] == "converged":
        assert steps[-1]["changed"] is False and all(s["changed"] for s in steps[1:-1])
    assert trace["model_calls"] == len(steps) - previous_given + len(trace["forced"])
    assert len(steps) - 1 <= trace["max_refinements"]
    assert all(isinstance(s["issues"], list) and isinstance(s["calls"], list) for s in steps)


def test_health_and_models(endpoint, client):
    assert httpx.get(f"{endpoint[0]}/health").json() == {"status": "ok"}  # open: no key needed
    assert httpx.get(f"{endpoint[0]}/ready").json() == {"status": "ready"}
    assert [m.id for m in client.models.list().data] == [endpoint[1], endpoint[2]]


def test_auth_rejects_missing_and_wrong_keys(endpoint):
    for key in (None, "wrong-key"):
        r = post(endpoint, "/v1/chat/completions", {"messages": ASK}, key=key)
        assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error", r.text
        assert KEY not in r.text
    assert httpx.get(f"{endpoint[0]}/v1/models").status_code == 401
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{endpoint[0]}/v1", api_key="wrong", max_retries=0).models.list()
    assert post(endpoint, "/v1/chat/completions", {"messages": ASK, "max_refinements": 0}).status_code == 200


def test_chat_answer_carries_usage_and_trace(client, endpoint):
    r = client.chat.completions.create(model=endpoint[2], messages=ASK, tools=[WEATHER], max_tokens=16)
    choice, trace = r.choices[0], r.model_extra["refinement"]
    check_trace(trace)
    assert trace["tool_choice"] == "auto" and trace["schedule"] == "adaptive" and trace["max_refinements"] == 3
    if choice.message.tool_calls:
        assert choice.finish_reason == "tool_calls"
    else:
        assert choice.finish_reason in ("stop", "length")
    assert r.usage.prompt_tokens > 100 * trace["model_calls"]  # the tool listing is in every prompt
    assert 0 < r.usage.completion_tokens <= 16 * trace["model_calls"]
    if not choice.message.tool_calls:
        assert choice.message.content == trace["steps"][-1]["text"]


def test_tool_calls_round_trip_through_the_sdk(client, endpoint):
    draft = [{"id": "d0", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris", "unit": "c"}'}},
             {"id": "d1", "type": "function", "function": {"name": "get_time", "arguments": '{"tz": "CET", "dst": true}'}}]
    r = client.chat.completions.create(model=endpoint[2], messages=ASK, tools=[WEATHER, TIME], max_tokens=16,
                                       extra_body={"previous_answer": draft, "max_refinements": 0})
    calls = r.choices[0].message.tool_calls
    assert r.choices[0].finish_reason == "tool_calls" and r.choices[0].message.content is None
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris", "unit": "c"}), ("get_time", {"tz": "CET", "dst": True})]
    assert len({c.id for c in calls}) == 2 and r.usage.total_tokens == 0  # no model call was needed
    trace = r.model_extra["refinement"]
    check_trace(trace, previous_given=True)
    assert [(i["function"], i["code"], i["param"]) for i in trace["issues"]] == [("get_time", "unknown_param", "dst")]


def test_refine_endpoint_refines_a_given_answer(endpoint):
    body = {"model": endpoint[1], "messages": ASK, "tools": [WEATHER], "max_tokens": 8,
            "previous_answer": '[get_weather(city="Paris", unit="kelvin"), get_wether(city="Rome")]'}
    fixed = post(endpoint, "/v1/refine", {**body, "max_refinements": 2, "refine_schedule": "fixed"}).json()
    trace = fixed["refinement"]
    check_trace(trace, previous_given=True)
    assert trace["model_calls"] == 2 and trace["stop_reason"] == "max_refinements" and trace["schedule"] == "fixed"
    assert [i["code"] for i in trace["steps"][0]["issues"]] == ["enum_error", "unknown_function"]
    assert trace["steps"][0]["calls"] == [{"name": "get_weather", "arguments": {"city": "Paris", "unit": "kelvin"}},
                                          {"name": "get_wether", "arguments": {"city": "Rome"}}]
    assert fixed["usage"]["prompt_tokens"] > 0 and fixed["calls"] == trace["final_calls"]
    kept = post(endpoint, "/v1/refine", {**body, "max_refinements": 0}).json()
    assert [c["name"] for c in kept["calls"]] == ["get_weather", "get_wether"] and kept["finish_reason"] == "tool_calls"


def test_tool_choice_variants(client, endpoint):
    none = client.chat.completions.create(model=endpoint[2], messages=ASK, tools=[WEATHER], tool_choice="none", max_tokens=8)
    assert none.choices[0].message.tool_calls is None and isinstance(none.choices[0].message.content, str)
    assert none.model_extra["refinement"]["tools_offered"] == [] and none.model_extra["refinement"]["model_calls"] == 1

    named = client.chat.completions.create(
        model=endpoint[2], messages=ASK, tools=[WEATHER, TIME], tool_choice={"type": "function", "function": {"name": "get_time"}},
        max_tokens=8, extra_body={"previous_answer": '[get_weather(city="Paris")]', "max_refinements": 0})
    trace = named.model_extra["refinement"]
    assert trace["tools_offered"] == ["get_time"] and trace["issues"][0]["code"] == "unknown_function"

    required_ok = client.chat.completions.create(
        model=endpoint[2], messages=ASK, tools=[WEATHER], tool_choice="required", max_tokens=8,
        extra_body={"previous_answer": '[get_weather(city="Paris")]', "max_refinements": 0})
    assert required_ok.choices[0].message.tool_calls[0].function.name == "get_weather"

    # a one-token forced answer cannot hold a call: the server must say so, not invent one
    with pytest.raises(openai.UnprocessableEntityError) as e:
        client.chat.completions.create(model=endpoint[2], messages=ASK, tools=[WEATHER], tool_choice="required", max_tokens=1,
                                       extra_body={"previous_answer": "It is sunny.", "max_refinements": 0})
    body = e.value.body
    assert "needs a function call" in body["message"] and body["code"] == "tool_call_required"
    forced = e.value.response.json()["refinement"]["forced"]
    assert len(forced) == 1 and forced[0]["calls"] == []


def test_streaming_with_the_sdk(client, endpoint):
    args = dict(model=endpoint[2], messages=ASK, tools=[WEATHER], max_tokens=12, extra_body={"max_refinements": 1})
    whole = client.chat.completions.create(**args)
    chunks = list(client.chat.completions.create(**args, stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert text == (whole.choices[0].message.content or "")  # greedy: the same answer either way
    assert finish == [whole.choices[0].finish_reason] and chunks[-1].usage.total_tokens == whole.usage.total_tokens

    calls = list(client.chat.completions.create(**{**args, "extra_body": {"previous_answer": '[get_weather(city="Oslo")]', "max_refinements": 0}}, stream=True))
    delta = calls[0].choices[0].delta.tool_calls[0]
    assert (delta.function.name, json.loads(delta.function.arguments)) == ("get_weather", {"city": "Oslo"})
    assert calls[-1].choices[0].finish_reason == "tool_calls"


def test_the_adapter_changes_answers(client, endpoint):
    def say(model):
        return client.chat.completions.create(model=model, messages=ASK, max_tokens=16, extra_body={"max_refinements": 0}).choices[0].message.content

    assert say(endpoint[1]) != say(endpoint[2]), "the adapter changed nothing: was LoRARequest applied?"
    assert say(endpoint[1]) == say(endpoint[1])


@pytest.mark.parametrize(
    "body, status, code",
    [
        (b'{"messages": [', 400, "invalid_json"),
        ({"messages": [{"role": "wizard", "content": "hi"}]}, 400, "invalid_value"),
        ({"messages": ASK, "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "strng"}}}}}]}, 400, "invalid_tool_schema"),
        ({"messages": ASK, "tools": [TIME] * 5}, 400, "too_many_tools"),
        ({"messages": ASK, "n": 3}, 400, "invalid_value"),
        ({"messages": ASK, "model": "gpt-9"}, 404, "model_not_found"),
        ({"messages": [{"role": "user", "content": "word " * 2000}]}, 400, "context_length_exceeded"),
        ({"messages": ASK, "padding": "x" * MAX_BODY}, 413, "body_too_large"),
        ({"messages": ASK, "request_timeout_s": 0.001}, 504, "timeout"),
    ],
)
def test_bad_input_gets_a_clear_4xx(endpoint, body, status, code):
    r = post(endpoint, "/v1/chat/completions", body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and len(error["message"]) > 10


def test_bad_input_without_a_length_header_and_on_unknown_routes(endpoint):
    def chunks():
        yield b'{"messages": ['
        yield b"1" * MAX_BODY  # streamed, so only the running total can catch it

    r = httpx.post(f"{endpoint[0]}/v1/refine", content=chunks(), headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    r = httpx.get(f"{endpoint[0]}/v1/nothing", headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 404 and "error" in r.json()
    assert httpx.get(f"{endpoint[0]}/health").status_code == 200  # still alive after all of it


def test_concurrent_requests_all_succeed(endpoint):
    bodies = [{"messages": [{"role": "user", "content": f"Weather in city {i}?"}], "tools": [WEATHER], "max_tokens": 8}
              for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda b: post(endpoint, "/v1/chat/completions", b).status_code, bodies))
    assert codes == [200] * 8


def test_metrics_reach_prometheus(serve_cluster, endpoint):
    # the node's metrics port, asked from a separate driver so this process never joins the cluster
    code = "import ray; ray.init(); n = ray.nodes()[0]; print(f\"{n['NodeManagerAddress']}:{n['MetricsExportPort']}\")"
    where = subprocess.run([str(BIN / "python"), "-c", code], env=job_env(RAY_ADDRESS=serve_cluster[0]),
                           capture_output=True, text=True, timeout=120, check=True).stdout.split()[-1]
    url = f"http://{where}/metrics"
    # this test's own answered request and refused one: it needs no other test to have run first
    assert post(endpoint, "/v1/chat/completions", {"messages": ASK, "max_tokens": 4}).status_code == 200
    assert post(endpoint, "/v1/chat/completions", {"messages": ASK}, key="wrong-key").status_code == 401
    wanted = ['ray_toolace_serve_requests_total{', 'status="401"'] + [
        f"ray_toolace_serve_{name}" for name in ("latency_seconds_bucket", "model_calls_bucket", "stop_reasons_total", "errors_total")]
    last = {"text": ""}

    def scraped():
        # each instrument is exported on the recorder's own period, so one may show up a cycle after another
        last["text"] = urllib.request.urlopen(url, timeout=10).read().decode()
        return all(w in last["text"] for w in wanted) or None

    try:
        wait_for(scraped, timeout=180, interval=2)
    except TimeoutError:
        missing = [w for w in wanted if w not in last["text"]]
        raise AssertionError(f"not exported after 180 s: {missing}") from None


def test_the_key_is_in_no_log(serve_cluster, endpoint):
    """Every log the cluster wrote (Serve's controller, proxy and replicas, the job's driver)."""
    logs = Path(serve_cluster[2]) / "session_latest" / "logs"
    files = [f for f in logs.rglob("*") if f.is_file()]
    assert len(files) > 10 and any("Ingress" in f.name for f in files)
    assert [str(f) for f in files if KEY.encode() in f.read_bytes()] == []


HISTORY = ASK + [
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
    {"role": "tool", "tool_call_id": "c1", "content": '{"temp_c": 21}'},
    {"role": "user", "content": "And in Rome?"},
]


def deep(levels):
    value = 1
    for _ in range(levels):
        value = {"x": value}
    return value


@pytest.mark.parametrize("body, status", [
    ({"messages": HISTORY, "tools": [WEATHER]}, 200),
    ({"messages": [{"role": "user", "content": [{"type": "text", "text": "Weather "}, {"type": "text", "text": "in Oslo?"}]}]}, 200),
    ({"messages": [{"role": "system", "content": None}, {"role": "user", "content": None}]}, 200),
    ({"messages": ASK, "tools": []}, 200),
    ({"messages": ASK, "tools": [WEATHER], "store": False, "parallel_tool_calls": True, "seed": 7, "user": "u-1",
      "metadata": {"trace": "t"}, "logprobs": False}, 200),
    ({"messages": HISTORY[:1] + [{**HISTORY[1], "tool_calls": [{"type": "function", "function": {
        "name": "get_weather", "arguments": {"city": deep(40)}}}]}], "tools": [WEATHER]}, 200),
    ({"messages": ASK, "tools": [WEATHER], "previous_answer": '[get_weather(city=b"Paris", unit=1j, x={(1, 2): 3})]'}, 200),
    ({"messages": ASK, "tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "get_time"}}}, 400),
    (b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": ' + b"9" * 5000 + b"}", 400),
    (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": NaN}', 400),
    ({"messages": HISTORY[:1] + [{**HISTORY[1], "tool_calls": [{"type": "function", "function": {
        "name": "get_weather", "arguments": "[" * 5000 + "]" * 5000}}]}]}, 400),
    ({"messages": ASK, "max_refinements": 8}, 400),
    ({"messages": ASK, "max_tokens": 100000}, 400),
], ids=["tool_history", "text_parts", "null_content", "empty_tools", "extra_fields", "deep_dict_arguments",
        "unsendable_draft", "unknown_named_tool", "huge_int", "nan", "arguments_5000_deep", "refinement_ceiling",
        "token_ceiling"])
def test_odd_input_through_the_engine_is_answered_or_refused(endpoint, body, status):
    if isinstance(body, dict):
        body = {"max_tokens": 4, "max_refinements": 1, **body}
    start = time.perf_counter()
    r = post(endpoint, "/v1/chat/completions", body)
    assert r.status_code == status, r.text[:500]
    assert time.perf_counter() - start < 60
    if status == 200:
        check_trace(r.json()["refinement"], previous_given="previous_answer" in body)
        if "previous_answer" in body:  # values JSON cannot carry: a parse error, never a 500
            assert r.json()["refinement"]["steps"][0]["parse_error"].startswith("not sendable as JSON")
    else:
        assert len(r.json()["error"]["message"]) > 10


def test_a_20_mb_body_gets_the_413(endpoint):
    body = json.dumps({"messages": ASK, "padding": "x" * 20_000_000})
    r = post(endpoint, "/v1/chat/completions", body)  # used to end in 'Connection reset by peer'
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    assert httpx.get(f"{endpoint[0]}/health").status_code == 200


def test_overload_is_refused_fast_and_liveness_stays_quick(endpoint):
    """3x the capacity at once, each request slow (the fixed schedule): RUNNING run, QUEUED wait,
    the rest get 503 with Retry-After at once; /health answers meanwhile."""
    body = {"messages": ASK, "tools": [WEATHER], "max_tokens": 16, "max_refinements": 3, "refine_schedule": "fixed"}
    n = 3 * (RUNNING + QUEUED)

    def one(_):
        start = time.perf_counter()
        r = post(endpoint, "/v1/chat/completions", body)
        return r.status_code, time.perf_counter() - start, r.headers.get("retry-after"), r.json()

    with ThreadPoolExecutor(n) as pool:
        results = pool.map(one, range(n))
        time.sleep(1.0)  # the load is on
        start = time.perf_counter()
        assert httpx.get(f"{endpoint[0]}/health", timeout=10).status_code == 200
        liveness_s = time.perf_counter() - start
        results = list(results)
    statuses = [status for status, *_ in results]
    assert set(statuses) <= {200, 503} and statuses.count(200) >= RUNNING + QUEUED, statuses
    refused = [(seconds, retry, body) for status, seconds, retry, body in results if status == 503]
    assert refused, "no request was refused at 3x capacity"
    assert all(retry == "3" and body["error"]["code"] == "overloaded" for _, retry, body in refused)
    slowest_ok = max(seconds for status, seconds, *_ in results if status == 200)
    assert max(seconds for seconds, *_ in refused) < min(5.0, slowest_ok), (refused, slowest_ok)
    assert liveness_s < 2.0
    assert httpx.get(f"{endpoint[0]}/ready").json() == {"status": "ready"}  # back to ready once drained
