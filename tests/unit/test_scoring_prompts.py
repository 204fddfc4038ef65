"""Scoring (pass rate, pass@k, per-category accuracy and the mean of categories) and the prompts' messages."""

import json
import math

import pytest

from ray_toolace.core.parsers import get_parser
from ray_toolace.core.prompts import REFINE_INSTRUCTION, TOOLS_MARKER, chat_messages, refine_messages, system_prompt
from ray_toolace.core.scoring import category_scores, error_counts, format_table, overall, overall_se, pass_at_k, pass_rate
from ray_toolace.core.types import ToolCall, canonical_calls

TOOLS = [{"name": "f", "description": "d", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}]


def test_pass_rate_and_pass_at_k():
    assert pass_rate([True, False, False, False]) == 0.25
    assert pass_rate([]) == 0.0
    assert pass_at_k([False, True]) and not pass_at_k([False] * 4)


def test_overall_is_unweighted_mean_of_categories():
    results = [("simple", True)] * 9 + [("simple", False)] + [("parallel", False)] * 2
    scores = category_scores(results)
    assert [(s.category, s.correct, s.total) for s in scores] == [("parallel", 0, 2), ("simple", 9, 10)]
    assert overall(scores) == pytest.approx(0.45)  # not 9/12
    assert overall_se(scores) == pytest.approx(math.sqrt(0.9 * 0.1 / 10) / 2)  # parallel: 0 of 2, se 0
    table = format_table(scores).splitlines()
    assert table[1].split() == ["parallel", "0", "2", "0.00%", "0.00"]
    assert table[2].split() == ["simple", "9", "10", "90.00%", "9.49"]
    assert table[3].startswith("mean of categories (unweighted)") and table[3].split()[-2:] == ["45.00%", "4.74"]


def test_error_counts_most_frequent_first():
    assert list(error_counts(["value_error", None, "type_error", "value_error"]).items()) == [("value_error", 2), ("type_error", 1)]


@pytest.mark.parametrize("fmt", ["pythonic", "json"])
def test_system_prompt_lists_tools_and_format(fmt):
    text = system_prompt(TOOLS, fmt)
    listed = json.loads(text.split(TOOLS_MARKER, 1)[1])
    assert listed == TOOLS
    assert ("<tool_call>" in text) == (fmt == "json")


def test_chat_messages_merge_system_and_render_history_calls():
    history = [
        {"role": "system", "content": "Today is 2025-03-01."},
        {"role": "user", "content": "a=1 please"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c0", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}]},
        {"role": "tool", "tool_call_id": "c0", "content": {"ok": True}},
        {"role": "user", "content": "again with 2"},
    ]
    msgs = chat_messages(TOOLS, history)
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool", "user"]
    assert msgs[0]["content"].endswith("Today is 2025-03-01.")
    assert get_parser("pythonic").parse(msgs[2]["content"]).calls == [ToolCall("f", {"a": 1})]
    assert msgs[3]["content"] == '{"ok": true}'


def test_refine_messages_show_previous_answer_then_instruction():
    msgs = refine_messages(TOOLS, [{"role": "user", "content": "a=1"}], "[f(a=2)]")
    assert msgs[-2] == {"role": "assistant", "content": "[f(a=2)]"}
    assert msgs[-1] == {"role": "user", "content": REFINE_INSTRUCTION}


def test_canonical_calls_ignore_order_and_key_order():
    a = [ToolCall("f", {"a": 1, "b": [1, 2]}), ToolCall("g", {})]
    b = [ToolCall("g", {}), ToolCall("f", {"b": [1, 2], "a": 1})]
    assert canonical_calls(a) == canonical_calls(b)
    assert canonical_calls(a) != canonical_calls([ToolCall("f", {"a": 2, "b": [1, 2]}), ToolCall("g", {})])
    assert canonical_calls(None) == canonical_calls([]) == "[]"
