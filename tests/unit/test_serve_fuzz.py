"""Property-based fuzzing (hypothesis, bounded in examples and time) of the request schema, the
answer parsers as the endpoint uses them, and the renderer.

Each property allows only the expected outcomes: a request is answered with a body that
serialises as strict JSON, or refused with a RequestError of status 4xx; a rendered value is a
string or a ValueError/TypeError; every call stays under a time bound. Any other exception, or
a slow call, fails the test with the input that caused it (hypothesis shrinks it).
"""

from __future__ import annotations

import asyncio
import json
import math
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ray_toolace.core.generation import Generation
from ray_toolace.core.parsers import get_parser
from ray_toolace.core.render import json_problem, python_literal, read_json, to_json_tags, to_openai_tool_calls, to_pythonic
from ray_toolace.core.types import ToolCall
from ray_toolace.serve import responses
from ray_toolace.serve.answer import JsonCallsParser, answer, plan_for
from ray_toolace.serve.protocol import ChatCompletionRequest, Limits, RefineRequest, RequestError, parse_request

EXAMPLES = 300  # per property: a few seconds each on one core
PER_CALL_S = 1.0  # generous: every call below takes milliseconds
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
LIMITS = Limits(max_tools=4, max_messages=8)

# JSON values, with the keys and texts requests really carry mixed in
names = st.sampled_from(["f", "g", "get_weather", "a", "city", "type", "function", "text", "role", "content"])
scalars = st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
json_values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(names | st.text(max_size=8), kids, max_size=4), max_leaves=20)

tool = st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries(
    {"name": names, "parameters": st.just({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}})})})
arguments = st.dictionaries(st.sampled_from(["a", "b", "c"]), json_values, max_size=3)
tool_call = st.fixed_dictionaries({"id": st.text(max_size=5), "type": st.just("function"), "function": st.fixed_dictionaries(
    {"name": names, "arguments": arguments.map(json.dumps) | arguments | st.text(max_size=20)})})
content = st.none() | st.text(max_size=40) | st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=10)}), max_size=3)
message = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "developer", "user", "assistant", "tool"]), "content": content},
    optional={"tool_calls": st.lists(tool_call, max_size=2), "tool_call_id": st.text(max_size=5), "name": names})
choice = st.sampled_from(["auto", "none", "required"]) | st.fixed_dictionaries(
    {"type": st.just("function"), "function": st.fixed_dictionaries({"name": names})})
requests = st.fixed_dictionaries(
    {"messages": st.lists(message, min_size=1, max_size=4)},
    optional={
        "tools": st.lists(tool, max_size=3), "tool_choice": choice, "max_tokens": st.integers(-5, 5000),
        "max_refinements": st.integers(-1, 9), "refine_schedule": st.sampled_from(["adaptive", "fixed", "other"]),
        "temperature": st.floats(-1, 3, allow_nan=False), "top_p": st.floats(0, 1.5, allow_nan=False),
        "previous_answer": st.text(max_size=60) | st.lists(tool_call, max_size=2),
        "stream": st.booleans(), "n": st.integers(0, 3), "store": st.booleans(), "parallel_tool_calls": st.booleans(),
        "seed": st.integers(), "user": st.text(max_size=5), "metadata": json_values, "model": st.none() | names,
    })

# what a model, or a client's draft, may write: calls with odd literals, prose, broken brackets
literal = st.sampled_from(['1e999', 'b"x"', '1j', '{(1, 2): 3}', '{1: 2}', '10**400', '9**9**9', '"x"*10**9', '[' * 300 + ']' * 300,
                           '(((9**64)**64)**64)', '"ok"', '42', '-1.5', 'None', 'True', '[1, "a"]', '{"k": [1]}', 'float("nan")', '...'])
answers = st.one_of(
    st.builds(lambda n, v, w: f"[{n}(a={v}, b={w})]", names, literal, literal),
    st.builds(lambda n, v: f'<tool_call>{{"name": "{n}", "arguments": {{"a": {v}}}}}</tool_call>', names, literal),
    st.text(max_size=80),
    st.builds(lambda t, n: f"Sure! {t} [{n}(a=", st.text(max_size=20), names),
)


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    elapsed = time.perf_counter() - start
    assert elapsed < PER_CALL_S, f"{elapsed:.2f} s"
    return out


def _answered(raw: bytes, texts: list[str], model=ChatCompletionRequest) -> None:
    try:
        req = parse_request(raw, model, LIMITS)
    except RequestError as e:
        assert 400 <= e.status < 500 and e.message and e.code
        json.dumps(e.body(), allow_nan=False)
        return
    script = iter(texts)

    async def generate(messages, temperature, max_tokens):
        json.dumps(messages, allow_nan=False).encode()
        return Generation([next(script, "no call")], 5, 1, ["stop"])

    result = asyncio.run(answer(plan_for(req, LIMITS), generate))
    body = responses.chat_completion(result, "m", "chatcmpl-fuzz", 0) if model is ChatCompletionRequest else responses.refine_result(result, "m")
    json.dumps(body, allow_nan=False, ensure_ascii=False).encode()


@FUZZ
@given(requests, st.lists(answers, min_size=1, max_size=4))
def test_any_request_is_answered_or_refused_with_a_4xx(body, texts):
    _timed(_answered, json.dumps(body).encode(), texts)


@FUZZ
@given(requests, st.lists(answers, min_size=1, max_size=2))
def test_refine_requests_too(body, texts):
    _timed(_answered, json.dumps(body).encode(), texts, RefineRequest)


splices = st.sampled_from([b"1e999", b"NaN", b"-Infinity", b"9" * 5000, b"[" * 3000, b'"\\ud800"', b"\xff", b"{", b'"', b"null"])


@FUZZ
@given(requests, splices, st.integers(0, 10**6))
def test_raw_bytes_spliced_into_a_request_are_refused_or_answered(body, splice, at):
    raw = json.dumps(body).encode()
    at = at % (len(raw) + 1)
    _timed(_answered, raw[:at] + splice + raw[at:], ["no call"])


@FUZZ
@given(answers)
def test_the_endpoint_parser_returns_only_calls_json_carries(text):
    for fmt in ("pythonic", "json"):
        parsed = _timed(JsonCallsParser(get_parser(fmt)).parse, text)
        for call in parsed.calls:
            assert json_problem(call.arguments) is None
            json.dumps(to_openai_tool_calls([call]), allow_nan=False)


# values the renderer may be handed: JSON's, plus what the pythonic parser builds
keys = st.text(max_size=6) | st.integers(-5, 5) | st.tuples(st.integers(0, 3))
python_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.binary(max_size=8) | st.complex_numbers(max_magnitude=1e6),
    lambda kids: st.lists(kids, max_size=4) | st.tuples(kids, kids) | st.dictionaries(keys, kids, max_size=3),
    max_leaves=25)


@FUZZ
@given(python_values, st.integers(0, 400))
def test_the_renderer_renders_or_refuses_any_value(value, depth):
    for _ in range(depth):
        value = [value]
    try:
        text = _timed(python_literal, value)
        assert isinstance(text, str)
    except ValueError as e:
        assert "nested deeper" in str(e) and depth > 190
    problem = _timed(json_problem, value)
    if problem is None:
        assert json.loads(json.dumps(value, allow_nan=False)) is not None or value is None


@FUZZ
@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), json_values, max_size=3), names)
def test_sendable_calls_render_and_read_back_in_every_format(args, name):
    call = ToolCall(name, args)
    assert get_parser("pythonic").parse(_timed(to_pythonic, [call])).calls == [call]
    assert get_parser("json").parse(_timed(to_json_tags, [call])).calls == [call]
    wire = to_openai_tool_calls([call])[0]["function"]["arguments"]
    back = read_json(wire, 80)
    assert back == args or any(isinstance(x, float) and math.isnan(x) for x in args.values())
