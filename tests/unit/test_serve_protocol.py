"""The Serve endpoint's pure parts: schema checks, request validation, the per-request
refinement loop with tool_choice, and the response bodies (checked against the OpenAI SDK's own
types). A scripted `generate` stands in for the engine here; tests/integration/test_serve.py
runs the same code against real vLLM.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from ray_toolace.core.prompts import REFINE_INSTRUCTION, TOOLS_MARKER
from ray_toolace.core.schema_check import call_issues, tool_schema_error
from ray_toolace.core.types import ToolCall
from ray_toolace.serve import responses
from ray_toolace.core.generation import Generation, TooLong
from ray_toolace.serve.answer import FORCE_INSTRUCTION, Plan, PromptTooLong, answer
from ray_toolace.serve.protocol import ChatCompletionRequest, Limits, RefineRequest, RequestError, parse_request

WEATHER = {
    "name": "get_weather",
    "description": "Current weather",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["c", "f"]},
            "days": {"type": "integer"},
            "ratio": {"type": "number"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "where": {"type": "dict", "properties": {"lat": {"type": "float"}}, "required": ["lat"]},
            "note": {"type": "string", "nullable": True},
        },
        "required": ["city"],
    },
}
TIME = {"name": "get_time", "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": []}}
USER = [{"role": "user", "content": "Weather in Paris?"}]


# ---- schema checks ---------------------------------------------------------------------------


def test_real_tool_definitions_are_accepted():
    from ray_toolace.core.formats import bfcl

    tools = [t for cat in ("simple", "multiple", "parallel_multiple") for s in bfcl.read_category(cat, limit=60).samples for t in s.tools]
    assert len(tools) > 100
    assert [tool_schema_error(t) for t in tools if tool_schema_error(t)] == []
    assert tool_schema_error({"name": "Market Trends API", "parameters": {"type": "object", "properties": {}}}) is None
    assert tool_schema_error({"name": "no_params"}) is None


@pytest.mark.parametrize(
    "tool, where",
    [
        ("get_weather", "function: must be an object"),
        ({"name": "bad(name"}, "function.name"),
        ({"name": " padded"}, "function.name"),
        ({"name": "f", "description": 3}, "function.description"),
        ({"name": "f", "parameters": "none"}, "function.parameters: must be a JSON schema object"),
        ({"name": "f", "parameters": {"type": "string"}}, "function.parameters.type: must be 'object'"),
        ({"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "strng"}}}}, "properties.a.type: unknown type 'strng'"),
        ({"name": "f", "parameters": {"type": "object", "properties": [1]}}, "parameters.properties: must be an object"),
        ({"name": "f", "parameters": {"type": "object", "properties": {}, "required": ["x"]}}, "names properties that do not exist: x"),
        ({"name": "f", "parameters": {"type": "object", "properties": {"a": {"enum": "xy"}}}}, "properties.a.enum: must be a non-empty list"),
        ({"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "array", "items": 5}}}}, "properties.a.items: a schema must be an object"),
    ],
)
def test_invalid_tool_definitions_are_named(tool, where):
    error = tool_schema_error(tool)
    assert error is not None and where in error


def test_schema_nesting_is_bounded():
    schema: dict = {"type": "string"}
    for _ in range(40):
        schema = {"type": "object", "properties": {"x": schema}}
    assert "nested deeper" in tool_schema_error({"name": "f", "parameters": schema})


def _codes(calls, tools=(WEATHER,)):
    return [(i["call"], i["code"], i["param"]) for i in call_issues(calls, list(tools))]


def test_valid_calls_have_no_issues():
    call = ToolCall("get_weather", {"city": "Paris", "unit": "c", "days": 3, "ratio": 2, "tags": ["a"],
                                    "where": {"lat": 1.5, "extra": 1}, "note": None})
    assert _codes([call]) == []  # int accepted as number; unknown nested keys allowed by default


def test_call_issues_cover_every_kind():
    calls = [
        ToolCall("get_wether", {"city": "Paris"}),
        ToolCall("get_weather", {"unit": "k", "days": True, "ratio": "2", "tags": ["a", 3], "where": {}, "zip": 1}),
    ]
    assert _codes(calls) == [
        (0, "unknown_function", None),
        (1, "missing_required", "city"),
        (1, "enum_error", "unit"),
        (1, "type_error", "days"),  # a bool is not an integer in JSON
        (1, "type_error", "ratio"),
        (1, "type_error", "tags[1]"),
        (1, "missing_required", "where.lat"),
        (1, "unknown_param", "zip"),
    ]


def test_closed_nested_objects_flag_unknown_keys():
    tool = {"name": "f", "parameters": {"type": "object", "properties": {
        "o": {"type": "object", "properties": {"a": {"type": "any"}}, "additionalProperties": False}}}}
    assert _codes([ToolCall("f", {"o": {"a": [1], "b": 2}})], [tool]) == [(0, "unknown_param", "o.b")]


# ---- request validation ----------------------------------------------------------------------

LIMITS = Limits(max_tools=3, max_messages=4)


def _refused(body, model=ChatCompletionRequest) -> RequestError:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(RequestError) as e:
        parse_request(raw, model, LIMITS)
    return e.value


def _tools(*fns):
    return [{"type": "function", "function": f} for f in fns]


@pytest.mark.parametrize(
    "body, status, param, words",
    [
        (b"{not json", 400, None, "not valid JSON"),
        (b"\xff\xfe", 400, None, "not valid JSON"),
        (b"[1, 2]", 400, None, "must be a JSON object"),
        ({"messages": []}, 400, "messages", "at least 1"),
        ({"messages": [{"role": "wizard", "content": "x"}]}, 400, "messages[0].role", "got 'wizard'"),
        ({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, 400, "messages[0].content", "only text"),
        ({"messages": [{"role": "user", "content": 7}]}, 400, "messages[0].content", "must be a string"),
        ({"messages": USER * 5}, 400, "messages", "at most 4"),
        ({"messages": USER, "tools": _tools(TIME, TIME, TIME, TIME)}, 400, "tools", "at most 3"),
        ({"messages": USER, "tools": _tools(TIME, TIME)}, 400, "tools[1].function.name", "defined twice"),
        ({"messages": USER, "tools": [{"type": "retrieval"}]}, 400, "tools[0].type", "'function'"),
        ({"messages": USER, "tools": _tools({"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "strng"}}}})},
         400, "tools[0].function.parameters.properties.a.type", "unknown type"),
        ({"messages": USER, "n": 2}, 400, "n", "only n=1"),
        ({"messages": USER, "temperature": 3}, 400, "temperature", "less than or equal to 2"),
        ({"messages": USER, "max_refinements": 99}, 400, "max_refinements", "less than or equal to 8"),
        ({"messages": USER, "refine_schedule": "sometimes"}, 400, "refine_schedule", "adaptive"),
        ({"messages": USER, "tool_choice": "maybe"}, 400, "tool_choice", "must be 'auto'"),
        ({"messages": USER, "tool_choice": {"type": "function", "function": {}}}, 400, "tool_choice", "needs function.name"),
        ({"messages": USER, "tools": _tools(TIME), "tool_choice": {"type": "function", "function": {"name": "other"}}},
         400, "tool_choice", "not among the tools"),
        ({"messages": USER, "tool_choice": "required"}, 400, "tool_choice", "at least one tool"),
        ({"messages": [{"role": "user", "content": "x", "tool_calls": [{"function": {"name": "f"}}]}]},
         400, "messages[0].tool_calls", "only assistant"),
        ({"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{oops"}}]}]},
         400, "messages[0].tool_calls", "not valid JSON"),
        ({"messages": USER, "previous_answer": [{"function": {"name": "f", "arguments": "[1]"}}]},
         400, "previous_answer", "not a JSON object"),
        ({"messages": USER, "previous_answer": "[f(a=" * 2000}, 400, "previous_answer", "at most 8192 characters"),
        (b"[" * 100_000, 400, None, "nests too deeply"),
    ],
)
def test_bad_requests_are_4xx_with_the_field_named(body, status, param, words):
    error = _refused(body)
    assert (error.status, error.param) == (status, param)
    assert words in error.message
    body = error.body()["error"]
    assert set(body) == {"message", "type", "param", "code"} and body["type"] == "invalid_request_error"


def test_a_good_request_becomes_plain_turns():
    req = parse_request(json.dumps({
        "model": "m", "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Weather "}, {"type": "text", "text": "in Paris?"}]},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
                                                                   "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "{\"temp\": 20}"},
        ],
        "tools": _tools(WEATHER), "max_completion_tokens": 32, "user": "ignored", "seed": 1,
    }).encode(), ChatCompletionRequest, LIMITS)
    turns = req.turns()
    assert [t["role"] for t in turns] == ["system", "user", "assistant", "tool"]
    assert turns[1]["content"] == "Weather in Paris?"
    assert turns[2]["tool_calls"][0]["function"]["name"] == "get_weather" and turns[3]["tool_call_id"] == "c1"
    assert req.choice_mode() == "auto" and req.answer_tokens(256) == 32
    bare = parse_request(b'{"messages": [{"role": "user", "content": "hi"}]}', ChatCompletionRequest, LIMITS)
    assert bare.choice_mode() == "none" and bare.answer_tokens(256) == 256  # no tools: words


def test_refine_request_takes_a_previous_answer_as_calls():
    req = parse_request(json.dumps({"messages": USER, "tools": _tools(WEATHER), "previous_answer": [
        {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}).encode(), RefineRequest, LIMITS)
    assert req.previous_answer[0].function.name == "get_weather"
    assert _refused({"messages": USER, "previous_answer": 5}, RefineRequest).param == "previous_answer"


# ---- the refinement loop ---------------------------------------------------------------------


class Script:
    """A stand-in engine: answers from a list, records what it was asked."""

    def __init__(self, *texts, too_long_after: int | None = None, finish: str = "stop"):
        self.texts, self.asked, self.too_long_after, self.finish = list(texts), [], too_long_after, finish

    async def __call__(self, messages, temperature, max_tokens):
        if self.too_long_after is not None and len(self.asked) >= self.too_long_after:
            return TooLong(prompt_tokens=2000, max_tokens=max_tokens, max_model_len=1024)
        self.asked.append((messages, temperature, max_tokens))
        return Generation([self.texts.pop(0)], prompt_tokens=100, completion_tokens=10, finish_reasons=[self.finish])


def run(plan: Plan, script: Script):
    return asyncio.run(answer(plan, script))


def test_adaptive_refinement_stops_when_the_answer_repeats():
    script = Script('[get_weather(city="Pariss")]', '[get_weather(city="Paris")]', '[get_weather(city = "Paris")]')
    result = run(Plan([WEATHER], USER, temperature=0.7, max_tokens=64), script)
    assert result.calls == [ToolCall("get_weather", {"city": "Paris"})]
    assert result.finish_reason == "tool_calls" and result.text is None
    assert (result.model_calls, result.prompt_tokens, result.completion_tokens) == (3, 300, 30)
    trace = result.trace
    assert trace["stop_reason"] == "converged" and [s["changed"] for s in trace["steps"]] == [True, True, False]
    assert trace["valid"] is True and trace["tools_offered"] == ["get_weather"]
    first, refine = script.asked[0], script.asked[1]
    assert first[1] == 0.7 and refine[1] == 0.0 and first[2] == 64  # refinements are greedy
    assert TOOLS_MARKER in first[0][0]["content"]
    assert refine[0][-1]["content"] == REFINE_INSTRUCTION and refine[0][-2]["content"] == '[get_weather(city="Pariss")]'


def test_fixed_schedule_always_runs_every_refinement():
    same = '[get_weather(city="Paris")]'
    result = run(Plan([WEATHER], USER, max_refinements=3, schedule="fixed"), Script(same, same, same, same))
    assert result.model_calls == 4 and result.trace["stop_reason"] == "max_refinements"
    assert result.trace["schedule"] == "fixed"
    adaptive = run(Plan([WEATHER], USER, max_refinements=3), Script(same, same))
    assert adaptive.model_calls == 2 and adaptive.calls == result.calls


def test_refinement_off_and_a_given_previous_answer():
    result = run(Plan([WEATHER], USER, max_refinements=0), Script("no idea"))
    assert (result.model_calls, result.trace["stop_reason"], result.text) == (1, "disabled", "no idea")
    given = [{"id": "x", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Rome", "zip": 1}'}}]
    result = run(Plan([WEATHER], USER, max_refinements=0, previous_answer=given), Script())
    assert result.model_calls == 0 and result.calls == [ToolCall("get_weather", {"city": "Rome", "zip": 1})]
    assert result.trace["previous_answer_given"] and result.trace["valid"] is False
    assert [i["code"] for i in result.trace["steps"][0]["issues"]] == ["unknown_param"]
    assert (result.prompt_tokens, result.finish_reason) == (0, "tool_calls")


def test_tool_choice_none_shows_no_tools_and_drops_calls():
    script = Script('[get_weather(city="Paris")]')
    result = run(Plan([WEATHER], USER, mode="none"), script)
    assert result.calls == [] and result.text == '[get_weather(city="Paris")]' and result.finish_reason == "stop"
    assert result.model_calls == 1 and all(TOOLS_MARKER not in m["content"] for m in script.asked[0][0])


def test_required_forces_a_call_when_refinement_ends_without_one():
    script = Script("It is sunny.", "It is sunny.", '[get_weather(city="Paris")]')
    result = run(Plan([WEATHER], USER, mode="required"), script)
    assert result.calls == [ToolCall("get_weather", {"city": "Paris"})] and not result.unmet
    assert script.asked[-1][0][-1]["content"] == FORCE_INSTRUCTION
    assert len(result.trace["forced"]) == 1 and result.model_calls == 3


def test_required_reports_failure_when_no_call_comes():
    result = run(Plan([WEATHER], USER, mode="named", force_attempts=2), Script("a", "a", "b", "c"))
    assert result.unmet and result.calls == [] and len(result.trace["forced"]) == 2 and result.model_calls == 4


def test_calls_to_tools_not_offered_are_flagged():
    result = run(Plan([TIME], USER, mode="named", max_refinements=0), Script('[get_weather(city="Paris")]'))
    assert result.trace["issues"][0]["code"] == "unknown_function" and result.trace["valid"] is False


def test_prompt_too_long_stops_refinement_but_not_the_answer():
    result = run(Plan([WEATHER], USER), Script('[get_weather(city="Paris")]', too_long_after=1))
    assert result.trace["stop_reason"] == "prompt_too_long" and result.calls[0].name == "get_weather"
    assert (result.model_calls, result.prompt_tokens) == (1, 100)  # the prompt that did not fit cost nothing
    with pytest.raises(PromptTooLong, match="2000 tokens"):
        run(Plan([WEATHER], USER), Script("x", too_long_after=0))


def test_a_cut_answer_keeps_the_length_finish_reason():
    result = run(Plan([WEATHER], USER, max_refinements=0), Script("It is", finish="length"))
    assert result.finish_reason == "length"


# ---- response bodies -------------------------------------------------------------------------


def test_chat_completion_body_is_what_the_openai_sdk_reads():
    # the same calls in another order count as unchanged: the loop stops, the last answer is kept
    script = Script('[get_weather(city="Paris"), get_time(tz="CET")]', '[get_time(tz="CET"), get_weather(city="Paris")]')
    result = run(Plan([WEATHER, TIME], USER), script)
    body = responses.chat_completion(result, "m", "chatcmpl-abc123", 1)
    parsed = ChatCompletion.model_validate(body)
    calls = parsed.choices[0].message.tool_calls
    assert [c.function.name for c in calls] == ["get_time", "get_weather"]
    assert json.loads(calls[1].function.arguments) == {"city": "Paris"} and len({c.id for c in calls}) == 2
    assert parsed.choices[0].finish_reason == "tool_calls" and parsed.usage.total_tokens == 220
    assert parsed.model_extra["refinement"]["stop_reason"] == "converged"


def test_stream_events_reassemble_like_openai_chunks():
    result = run(Plan([WEATHER], USER, max_refinements=0), Script('[get_weather(city="Paris")]'))
    events = responses.stream_events(result, "m", "chatcmpl-1", 1, include_usage=True)
    assert events[-1] == "data: [DONE]\n\n" and all(e.startswith("data: ") and e.endswith("\n\n") for e in events)
    chunks = [ChatCompletionChunk.model_validate(json.loads(e[6:])) for e in events[:-1]]
    delta = chunks[0].choices[0].delta
    assert delta.tool_calls[0].index == 0 and delta.tool_calls[0].function.name == "get_weather"
    assert chunks[1].choices[0].finish_reason == "tool_calls" and chunks[1].model_extra["refinement"]
    assert chunks[2].choices == [] and chunks[2].usage.prompt_tokens == 100
    words = run(Plan([WEATHER], USER, mode="none"), Script("Sunny."))
    first = json.loads(responses.stream_events(words, "m", "c", 1)[0][6:])
    assert first["choices"][0]["delta"]["content"] == "Sunny."


def test_refine_body_and_model_list():
    result = run(Plan([WEATHER], USER, max_refinements=0), Script('[get_weather(city="Paris")]'))
    body = responses.refine_result(result, "m")
    assert body["calls"] == [{"name": "get_weather", "arguments": {"city": "Paris"}}] and body["refinement"]["steps"]
    assert [m["id"] for m in responses.models_list(["a", "a:lora"], 1)["data"]] == ["a", "a:lora"]


def test_the_wire_modules_import_nothing_heavy():
    code = (
        "import sys\n"
        "import ray_toolace.serve.protocol, ray_toolace.serve.answer, ray_toolace.serve.responses\n"
        "print(','.join(m for m in ('ray', 'vllm', 'torch', 'fastapi', 'starlette') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
