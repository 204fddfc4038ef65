"""Readers and writers: ToolACE, OpenAI chat, BFCL; bad rows become rejects, never vanish."""

import json

from ray_toolace.core.answers import exact_to_ground_truth, gold_calls
from ray_toolace.core.formats import bfcl, read_jsonl, read_rows, write_jsonl
from ray_toolace.core.types import Sample, ToolCall

TOOLS = [
    {
        "name": "Market Trends API",
        "description": "Get market trends.",
        "parameters": {
            "type": "dict",
            "properties": {"trend_type": {"type": "string"}, "country": {"type": "string", "default": "us"}},
            "required": ["trend_type"],
        },
    },
    {"name": "fx.convert", "description": "Convert money.", "parameters": {"type": "dict", "properties": {"amount": {"type": "float"}}, "required": ["amount"]}},
]
TOOLACE_ROW = {
    "system": "You are an expert in composing functions. Here is a list of functions in JSON format that you can invoke:\n"
    + json.dumps(TOOLS)
    + ". \nShould you decide to return the function call(s), put them in the format of [func1(params_name=params_value)].",
    "conversations": [
        {"from": "user", "value": "What are the market indexes in the US? And convert 12 dollars."},
        {"from": "assistant", "value": '[Market Trends API(trend_type="MARKET_INDEXES", country="us"), fx.convert(amount=12.0)]'},
        {"from": "tool", "value": '[{"name": "Market Trends API", "results": {"indexes": ["S&P 500"]}}]'},
        {"from": "assistant", "value": "The main index is the S&P 500."},
        {"from": "user", "value": "Can you also book me a flight?"},
        {"from": "assistant", "value": "I cannot book flights with the available functions."},
    ],
}


def test_toolace_row_one_sample_per_answering_turn():
    result = read_rows([TOOLACE_ROW])
    assert result.rejects == []
    first, second = result.samples
    assert first.category == "parallel_multiple"
    assert gold_calls(first.ground_truth) == [
        ToolCall("Market Trends API", {"trend_type": "MARKET_INDEXES", "country": "us"}),
        ToolCall("fx.convert", {"amount": 12.0}),
    ]
    assert [m["role"] for m in first.messages] == ["user"]
    # the words-only answer to a user turn is a "no call is correct" sample with history
    assert second.ground_truth == [] and second.category == "irrelevance"
    assert [m["role"] for m in second.messages] == ["user", "assistant", "tool", "assistant", "user"]
    assert second.messages[1]["tool_calls"][0]["function"]["name"] == "Market Trends API"


def test_openai_row_and_round_trips(tmp_path):
    sample = Sample(
        id="s1",
        category="multiple",
        tools=TOOLS,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Convert 3 dollars"}],
        ground_truth=exact_to_ground_truth([ToolCall("fx.convert", {"amount": 3.0})], TOOLS),
        source="generated",
    )
    for fmt in ("openai", "toolace", "sample"):
        path = tmp_path / f"{fmt}.jsonl"
        write_jsonl([sample], path, fmt=fmt)
        back = read_jsonl(path)
        assert back.rejects == [], fmt
        assert back.samples[-1].id == "s1" and back.samples[-1].category == "multiple"
        assert back.samples[-1].messages == sample.messages, fmt
        assert gold_calls(back.samples[-1].ground_truth) == [ToolCall("fx.convert", {"amount": 3.0})]


def test_exact_gold_allows_omitting_defaulted_optionals():
    truth = exact_to_ground_truth([ToolCall("Market Trends API", {"trend_type": "X"})], TOOLS)
    assert truth == [{"Market Trends API": {"trend_type": ["X"], "country": ["", "us"]}}]


def test_bad_rows_are_rejected_with_line_and_reason(tmp_path):
    good = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [{"function": {"name": "fx.convert", "arguments": '{"amount": 1}'}}]}], "tools": [{"type": "function", "function": TOOLS[1]}]}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"hello": 1}),
        json.dumps({**good, "messages": [{"role": "wizard", "content": "x"}]}),
        json.dumps({**good, "messages": [good["messages"][0], {"role": "assistant", "tool_calls": [{"function": {"name": "fx.convert", "arguments": "{bad"}}]}]}),
        json.dumps({**good, "messages": [good["messages"][0], {"role": "assistant", "tool_calls": [{"function": {"name": "launch_rocket", "arguments": "{}"}}]}]}),
        json.dumps({"system": "no tools here", "conversations": [{"from": "user", "value": "x"}]}),
        "",
        json.dumps({**good, "tools": [{"type": "function", "function": {"name": "x", "parameters": {"properties": []}}}]}),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = read_jsonl(path)
    assert len(result.samples) == 1
    reasons = {r.line: r.reason for r in result.rejects}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 9]
    assert "not valid JSON" in reasons[2]
    assert "unknown row format" in reasons[3]
    assert "unknown role 'wizard'" in reasons[4]
    assert "not valid JSON" in reasons[5]
    assert "launch_rocket" in reasons[6]
    assert "marker" in reasons[7]
    assert "properties" in reasons[9]
    assert all(r.source == str(path) and r.raw for r in result.rejects)


def test_bfcl_categories_read_with_answers():
    result = bfcl.read_categories(["simple", "parallel", "irrelevance", "live_multiple"], limit=20)
    assert result.rejects == []
    by_cat = {}
    for s in result.samples:
        by_cat.setdefault(s.category, []).append(s)
    assert {k: len(v) for k, v in by_cat.items()} == {"simple": 20, "parallel": 20, "irrelevance": 20, "live_multiple": 20}
    assert all(s.ground_truth for s in by_cat["simple"]) and not any(s.ground_truth for s in by_cat["irrelevance"])
    assert len(by_cat["parallel"][0].ground_truth) > 1


def test_bfcl_bad_lines_become_rejects(tmp_path):
    (tmp_path / "possible_answer").mkdir()
    good = {"id": "simple_python_0", "question": [[{"role": "user", "content": "q"}]], "function": [TOOLS[1]]}
    (tmp_path / bfcl.file_name("simple")).write_text(
        json.dumps(good) + "\n{oops\n" + json.dumps({**good, "id": "simple_python_9"}) + "\n"
    )
    (tmp_path / "possible_answer" / bfcl.file_name("simple")).write_text(
        json.dumps({"id": "simple_python_0", "ground_truth": [{"fx.convert": {"amount": [1.0]}}]}) + "\n"
    )
    result = bfcl.read_category("simple", root=tmp_path)
    assert [s.id for s in result.samples] == ["simple_python_0"]
    assert [(r.line, r.reason.split(":")[0]) for r in result.rejects] == [(2, "Expecting property name enclosed in double quotes"), (3, "no possible answer for simple_python_9")]
