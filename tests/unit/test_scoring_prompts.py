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


def test_canonical_calls_take_any_value_an_answer_may_hold():
    """Python's literals allow dict keys JSON cannot carry or sort (`{(1, 2): 3}`, mixed types):
    a model's answer holding them refines and is scored like any other, never raises."""
    from ray_toolace.core.checker import check_answer
    from ray_toolace.core.generation import Generation
    from ray_toolace.core.probe_table import probe_row
    from ray_toolace.core.refine import RefineLoop, run_batch
    from ray_toolace.core.types import Sample

    odd = [{(1, 2): 3}, {1: "a", "b": 2}, {None: 1, 0: 2}, {b"x": 1, 2j: (1, 2)}]
    texts = [canonical_calls([ToolCall("f", {"a": v})]) for v in odd]
    assert len(set(texts)) == len(odd)
    assert canonical_calls([ToolCall("f", {"a": {"b": 2, 1: "a"}})]) == texts[1]  # key order
    assert canonical_calls([ToolCall("f", {"a": {1: 2}})]) != canonical_calls([ToolCall("f", {"a": {"1": 2}})])
    assert canonical_calls([ToolCall("f", {"a": (1, 2)})]) == canonical_calls([ToolCall("f", {"a": [1, 2]})])

    sample = Sample("s", "simple", TOOLS, [{"role": "user", "content": "a=1"}], [{"f": {"a": [1]}}])
    for strict in (True, False):
        parser = get_parser("pythonic", strict=strict)
        answers = iter(["[f(a={(1, 2): 3})]", "[f(a={(1, 2): 3, 'x': [b'y']})]", "[f(a={(1, 2): 3, 'x': [b'y']})]"])
        loop = RefineLoop(parser, TOOLS, sample.messages, max_refinements=3)
        run_batch([loop], lambda convs, n, t: [Generation([next(answers)], 1, 1, ["stop"]) for _ in convs])
        assert loop.refinement.stop_reason == "converged" and loop.model_calls == 3
        row = probe_row(sample, ["[f(a={(1, 2): 3})]"], parser, 1, 1, 0, refinement=loop)
        assert row["valid"] == [False] and row["error_types"] == ["type_error"] and row["refine_valid"] == [False] * 3
        steps = json.loads(row["refine_trace"])["steps"]
        assert steps[1]["calls"][0]["arguments"] == {"a": {"(1, 2)": 3, "x": ["b'y'"]}}
        verdict = check_answer(TOOLS, "[f(a=1)]", sample.ground_truth, "simple", parser)[0]
        assert verdict.valid  # the scorer itself is unchanged
