"""The adaptive stop rule (METHOD.md §5)."""

import pytest

from ray_toolace.core.parsers import get_parser
from ray_toolace.core.refine import Refinement
from ray_toolace.core.types import ToolCall

P = get_parser("pythonic")


def run(answers, **kw):
    r = Refinement(P, **kw)
    for text in answers:
        if r.done:
            break
        r.observe(text)
    return r


def test_stops_when_the_answer_no_longer_changes():
    r = run(["[f(a=1)]", "[f(a=2)]", "[f( a = 2 )]", "[f(a=3)]"])
    assert r.stop_reason == "converged" and r.model_calls == 3
    assert r.final_calls == [ToolCall("f", {"a": 2})]
    assert [s.changed for s in r.steps] == [True, True, False]


def test_same_calls_in_other_order_or_key_order_count_as_unchanged():
    r = run(["[f(a=1, b=2), g()]", "[g(), f(b=2, a=1)]"])
    assert r.stop_reason == "converged" and r.model_calls == 2


def test_stops_at_max_refinements():
    r = run(["[f(a=1)]", "[f(a=2)]", "[f(a=3)]", "[f(a=4)]", "[f(a=5)]"], max_refinements=3)
    assert r.stop_reason == "max_refinements" and r.model_calls == 4


def test_fixed_schedule_never_stops_early():
    r = run(["[f(a=1)]"] * 5, max_refinements=3, adaptive=False)
    assert r.stop_reason == "max_refinements" and r.model_calls == 4


def test_zero_refinements_is_one_model_call():
    r = run(["[f(a=1)]", "[f(a=1)]"], max_refinements=0)
    assert r.stop_reason == "disabled" and r.model_calls == 1


def test_unreadable_answers_compare_by_text_and_trace_is_serialisable():
    r = run(["[f(a=]", "[f(a=]"])
    assert r.stop_reason == "converged" and r.steps[0].parse_error
    trace = r.trace()
    assert trace["model_calls"] == 2 and trace["steps"][1]["changed"] is False


def test_observe_after_stop_is_an_error():
    r = run(["x"], max_refinements=0)
    with pytest.raises(RuntimeError):
        r.observe("y")
