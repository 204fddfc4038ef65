"""The endpoint's pure parts against hostile and odd-but-valid input: every request the schema
accepts is answered (here: a response body that serialises as strict JSON) or refused with a
4xx naming the problem; the server's cost ceilings; admission control; the renderer's bounds.
A scripted `generate` stands in for the engine; tests/integration/test_serve.py sends the same
kinds of request through the real engine and chat template.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from ray_toolace.core.generation import Generation
from ray_toolace.core.parsers import get_parser
from ray_toolace.core.render import from_openai_tool_calls, json_problem, python_literal, read_json, to_pythonic
from ray_toolace.core.types import ToolCall
from ray_toolace.serve import responses
from ray_toolace.serve.admission import Admission, Overloaded
from ray_toolace.serve.answer import answer, plan_for
from ray_toolace.serve.protocol import ChatCompletionRequest, Limits, RequestError, parse_request

F = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}}
USER = {"role": "user", "content": "hi"}
LIMITS = Limits()


def nested(depth: int, leaf=1):
    for _ in range(depth):
        leaf = {"x": leaf}
    return leaf


def serve(body, texts=("plain words",), limits=LIMITS) -> dict:
    """What the endpoint does with one body, engine scripted: the response body, or RequestError."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = parse_request(raw, ChatCompletionRequest, limits)
    script = iter(texts)

    async def generate(messages, temperature, max_tokens):
        json.dumps(messages, allow_nan=False)  # what the engine is sent must be plain JSON too
        return Generation([next(script, texts[-1])], 10, 2, ["stop"])

    result = asyncio.run(answer(plan_for(req, limits), generate))
    out = responses.chat_completion(result, "m", "chatcmpl-test", 0)
    json.dumps(out, allow_nan=False, ensure_ascii=False).encode()  # as the JSON response encodes it
    return out


UNSENDABLE = ['[f(a=1e999)]', '[f(a=b"x")]', '[f(a=1j)]', '[f(a={(1, 2): 3})]', '[f(a={1: 2})]', '[f(a=10**5000)]',
              '[f(a=' + '[' * 5000 + ']' * 5000 + ')]', "[f(a=(((9**64)**64)**64)**64)]"]


@pytest.mark.parametrize("text", UNSENDABLE)
def test_model_answers_json_cannot_carry_are_parse_errors_not_500s(text):
    out = serve({"messages": [USER], "tools": [F], "max_refinements": 1}, texts=(text,))
    steps = out["refinement"]["steps"]
    assert out["choices"][0]["message"]["tool_calls"] is None and steps[0]["parse_error"]
    draft = serve({"messages": [USER], "tools": [F], "max_refinements": 0, "previous_answer": text[:8000]})
    assert draft["refinement"]["steps"][0]["parse_error"]


def test_a_sendable_answer_still_becomes_tool_calls():
    out = serve({"messages": [USER], "tools": [F], "max_refinements": 1},
                texts=('[f(a="x", b=(1, 2), c=float("nan"), d=...)]',))
    (call,) = out["choices"][0]["message"]["tool_calls"]
    # a call without keywords and an ellipsis are read as their text, as BFCL's decoder reads them
    assert json.loads(call["function"]["arguments"]) == {"a": "x", "b": [1, 2], "c": "float('nan')", "d": "..."}


HISTORY = [USER, {"role": "assistant", "content": None, "tool_calls": [
    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": "x"}'}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "42"}]


@pytest.mark.parametrize("body", [
    {"messages": HISTORY, "tools": [F]},
    {"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]},
    {"messages": [{"role": "user", "content": None}]},
    {"messages": [USER], "tools": []},
    {"messages": [USER], "tools": [], "tool_choice": "auto"},
    {"messages": [USER], "tools": [F], "store": True, "parallel_tool_calls": False, "seed": 3, "user": "u",
     "metadata": {"k": "v"}, "logprobs": False, "frequency_penalty": 0},
    {"messages": HISTORY[:1] + [{**HISTORY[1], "tool_calls": [{**HISTORY[1]["tool_calls"][0], "function": {"name": "f", "arguments": {"a": nested(40)}}}]}]},
    {"messages": [USER, {"role": "tool", "tool_call_id": "x", "content": [{"type": "text", "text": "r"}]}]},
], ids=["tool_history", "text_parts", "null_content", "empty_tools", "empty_tools_auto", "extra_fields",
        "dict_arguments_40_deep", "tool_parts"])
def test_odd_but_valid_requests_are_answered(body):
    out = serve(body)
    assert out["choices"][0]["message"]["content"] == "plain words"


@pytest.mark.parametrize("raw, words", [
    (b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": ' + b"9" * 5000 + b"}", "integer of 5000 digits"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": 1e999}', "out of range"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": NaN}', "NaN is not a JSON number"),
    (b'{"messages": [{"role": "user", "content": "\\ud800"}]}', "lone surrogate"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function", "function": {"name": "f", '
     b'"parameters": {"type": "object", "properties": {"a": {"type": "number", "default": Infinity}}}}}]}', "Infinity"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "metadata": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nests too deeply"),
    (json.dumps({"messages": [USER], "metadata": nested(200)}).encode(), "nested deeper than"),
    (json.dumps({"messages": HISTORY[:1] + [{**HISTORY[1], "tool_calls": [{"type": "function", "function": {
        "name": "f", "arguments": "[" * 5000 + "]" * 5000}}]}]}).encode(), "nests too deeply"),
    (json.dumps({"messages": HISTORY[:1] + [{**HISTORY[1], "tool_calls": [{"type": "function", "function": {
        "name": "f", "arguments": '{"a": ' + "9" * 5000 + "}"}}]}]}).encode(), "integer of 5000 digits"),
    (json.dumps({"messages": HISTORY[:1] + [{**HISTORY[1], "tool_calls": [{"type": "function", "function": {
        "name": "f", "arguments": {"a": nested(70)}}}]}]}).encode(), "nested deeper than 64"),
    (json.dumps({"messages": [USER], "tools": [F], "tool_choice": {"type": "function", "function": {"name": "g"}}}).encode(),
     "not among the tools"),
], ids=["huge_int", "float_overflow", "nan", "surrogate", "infinity_in_tools", "deep_body", "deep_metadata",
        "deep_arguments_string", "huge_int_in_arguments", "deep_arguments_dict", "unknown_named_tool"])
def test_values_that_would_not_serialise_are_400s(raw, words):
    start = time.perf_counter()
    with pytest.raises(RequestError) as e:
        serve(raw)
    assert e.value.status == 400 and words in e.value.message, e.value.message
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize("extra, param, words", [
    ({"max_refinements": 5}, "max_refinements", "at most 4"),
    ({"max_refinements": 4, "refine_schedule": "fixed"}, "refine_schedule", "at most 3 refinements"),
    ({"max_tokens": 2000}, "max_tokens", "at most 1024"),
    ({"max_completion_tokens": 2000}, "max_completion_tokens", "at most 1024"),
    ({"max_tokens": 1024, "max_refinements": 4}, "max_tokens", "1024 tokens for each of up to 5 model calls is 5120"),
    ({"max_tokens": 1000, "max_refinements": 3, "tool_choice": "required"}, "max_tokens", "1000 tokens for each of up to 5"),
    ({"max_tokens": 10**200}, "max_tokens", "at most 1024"),
])
def test_a_request_cannot_multiply_its_cost_past_the_ceilings(extra, param, words):
    with pytest.raises(RequestError) as e:
        serve({"messages": [USER], "tools": [F], **extra})
    assert (e.value.status, e.value.param, e.value.code) == (400, param, "above_server_limit")
    assert words in e.value.message, e.value.message


def test_the_ceilings_let_ordinary_requests_through_and_check_the_defaults():
    assert serve({"messages": [USER], "tools": [F], "max_refinements": 3, "refine_schedule": "fixed", "max_tokens": 512})
    with pytest.raises(RequestError, match="no fixed schedule"):
        serve({"messages": [USER], "refine_schedule": "fixed"}, limits=Limits(max_fixed_refinements=0))
    assert Limits().defaults_error() is None
    assert "exceeds serve.max_refinements" in Limits(default_refinements=5).defaults_error()
    assert "sampling.max_tokens=2048" in Limits(default_tokens=2048).defaults_error()
    assert "over serve.max_request_tokens" in Limits(default_tokens=1024).defaults_error()


# ---- admission ---------------------------------------------------------------------------------


def test_admission_runs_queues_then_refuses_at_once():
    async def scenario():
        admission = Admission(running=2, waiting=2)
        release = asyncio.Event()
        order: list[int] = []

        async def request(i: int):
            async with admission.slot():
                order.append(i)
                await release.wait()

        tasks = [asyncio.create_task(request(i)) for i in range(4)]
        await asyncio.sleep(0.01)
        assert (admission.running, admission.waiting, admission.full) == (2, 2, True)
        start = time.perf_counter()
        with pytest.raises(Overloaded):
            async with admission.slot():
                pass
        assert time.perf_counter() - start < 0.05  # refused without waiting
        release.set()
        await asyncio.gather(*tasks)
        assert order == [0, 1, 2, 3] and (admission.running, admission.waiting) == (0, 0)

    asyncio.run(scenario())


def test_a_wait_cut_by_its_deadline_leaves_the_queue():
    async def scenario():
        admission = Admission(running=1, waiting=1)
        gate = asyncio.Event()

        async def hold():
            async with admission.slot():
                await gate.wait()

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(admission.slot().__aenter__(), 0.01)
        assert admission.waiting == 0 and not admission.full  # its place is free again
        gate.set()
        await holder
        assert admission.running == 0
        async with admission.slot():
            assert admission.running == 1

    asyncio.run(scenario())


# ---- the renderer ------------------------------------------------------------------------------


def test_the_renderer_refuses_depth_instead_of_recursing():
    with pytest.raises(ValueError, match="nested deeper"):
        python_literal(nested(5000))
    with pytest.raises(ValueError, match="nested deeper"):
        to_pythonic([ToolCall("f", {"a": nested(300)})])
    assert json_problem(nested(5000)) is not None and json_problem(nested(50)) is None


def test_the_renderer_writes_every_value_the_parser_reads():
    call = ToolCall("f", {"b": b"x\x00", "c": 1j, "t": (1, "a"), "k": {(1, 2): 3}, "n": None, "s": 'q"\\'})
    assert get_parser("pythonic").parse(to_pythonic([call])).calls == [call]


def test_read_json_accepts_plain_json_only():
    assert read_json('{"a": [1, 2.5, "x", null, true]}', 8) == {"a": [1, 2.5, "x", None, True]}
    for text in ("NaN", "-Infinity", "1e400", "9" * 4301, "[" * 20 + "]" * 20, '"\\udc00"'):
        with pytest.raises(ValueError):
            read_json(text, 8)
    with pytest.raises(ValueError, match="nested deeper than 64"):
        from_openai_tool_calls([{"function": {"name": "f", "arguments": json.dumps({"a": nested(70)})}}])
