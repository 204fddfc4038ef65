"""The demo's own decisions: which model it serves, which questions it asks, how it scores the
endpoint's answers, what it prints."""

import json
from collections import Counter
from importlib import resources

import pytest

from ray_toolace.config import Config, ConfigError, load_config
from ray_toolace.core.formats import read_rows
from ray_toolace.core.parsers import get_parser
from ray_toolace.core.render import to_openai_tool_calls
from ray_toolace.core.types import Sample, ToolCall
from ray_toolace.pipeline import describe, draw_questions, endpoint_summary, score_answer, summary_line, trace_line
from ray_toolace.pipeline import final_model


def _round(t: int, train_status: str | None) -> dict:
    stages = {"probe": {"status": "done", "result": {}}}
    if train_status:
        stages["train"] = {"status": train_status, "result": {"model_dir": f"runs/x/round-{t}/train/model"}}
    return {"round": t, "stages": stages}


def test_final_model_is_the_last_finished_training():
    assert final_model({"rounds": [_round(0, "done"), _round(1, "done")]}) == "runs/x/round-1/train/model"
    assert final_model({"rounds": [_round(0, "done"), _round(1, "running")]}) == "runs/x/round-0/train/model"
    # the loop stopped on selection before any training: the base model is served
    assert final_model({"rounds": [_round(0, None)]}) is None
    assert final_model({"rounds": []}) is None


def _heldout() -> list[Sample]:
    path = resources.files("ray_toolace.data") / "bundled" / "heldout.jsonl"
    result = read_rows(path.read_text(encoding="utf-8").splitlines(), source=str(path))
    assert not result.rejects
    return result.samples


def test_the_draw_spreads_over_every_heldout_category_and_is_seeded():
    pool = _heldout()
    categories = sorted({s.category for s in pool})
    assert "irrelevance" in categories and len(categories) == 5
    drawn = draw_questions(pool, 8, seed=0)
    assert len(drawn) == 8 and len({s.id for s in drawn}) == 8
    counts = Counter(s.category for s in drawn)
    # 8 over 5 categories: every category once, none more than twice
    assert set(counts) == set(categories) and max(counts.values()) == 2 and min(counts.values()) == 1
    # deterministic: the same seed draws the same questions, in the same order, from a fresh read
    assert [s.id for s in draw_questions(_heldout(), 8, seed=0)] == [s.id for s in drawn]
    # seeded: another seed draws other questions of the same spread
    other = draw_questions(pool, 8, seed=1)
    assert [s.id for s in other] != [s.id for s in drawn]
    assert Counter(s.category for s in other) == counts
    # not taken from the top of the file
    assert {s.id for s in drawn} != {s.id for s in pool[:8]}


def test_the_draw_is_independent_of_the_pool_order_within_a_category_set():
    pool = _heldout()
    # the draw depends on each category's own samples, not on how categories interleave
    by_category = sorted(pool, key=lambda s: s.category)
    assert [s.id for s in draw_questions(by_category, 8, 3)] == [s.id for s in draw_questions(pool, 8, 3)]
    # fewer samples than asked: all of them, once
    small = pool[:3]
    assert sorted(s.id for s in draw_questions(small, 8, 0)) == sorted(s.id for s in small)


def test_demo_questions_come_from_config():
    assert Config().demo.questions == 8 and Config().demo.input == "bundled:heldout"
    cfg = load_config("configs/demo.yaml", ["demo.questions=3", "demo.seed=7"])
    assert (cfg.demo.questions, cfg.demo.seed) == (3, 7)
    with pytest.raises(ConfigError, match="demo.questions"):
        load_config(None, ["demo.questions=0"])


WEATHER = {"name": "get_weather", "description": "Weather of a city.",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                          "required": ["city"]}}
CALL = Sample("q1", "simple", [WEATHER], [{"role": "user", "content": "Weather in Oslo?"}],
              [{"get_weather": {"city": ["Oslo"], "days": [""]}}], "generated")
NO_TOOL = Sample("q2", "irrelevance", [WEATHER], [{"role": "user", "content": "Tell me a joke."}], [], "generated")


def _body(calls: list[ToolCall] | None, content: str | None = None, steps: list[dict] | None = None) -> dict:
    message = {"role": "assistant", "content": content, "tool_calls": to_openai_tool_calls(calls) if calls else None}
    return {"choices": [{"message": message}],
            "refinement": {"steps": steps or [], "model_calls": max(1, len(steps or [])), "stop_reason": "converged"}}


def _step(calls: list[ToolCall], changed: bool, text: str | None = None, parse_error: str | None = None) -> dict:
    fmt = get_parser("pythonic")
    return {"text": text if text is not None else fmt.render(calls), "calls": [{"name": c.name, "arguments": c.arguments} for c in calls],
            "parse_error": parse_error, "changed": changed}


@pytest.mark.parametrize("fmt", ["pythonic", "json"])
def test_endpoint_answers_are_judged_like_evaluation_answers(fmt):
    parser = get_parser(fmt, strict=True)
    right = score_answer(CALL, _body([ToolCall("get_weather", {"city": "Oslo"})]), parser)
    assert right["valid"] and right["error_type"] is None
    # the returned calls are rendered back in the answer format, then parsed like a model answer
    assert parser.parse(right["answer"]).calls == [ToolCall("get_weather", {"city": "Oslo"})]

    wrong_value = score_answer(CALL, _body([ToolCall("get_weather", {"city": "Bergen"})]), parser)
    assert not wrong_value["valid"] and wrong_value["error_type"] == "value_error"
    wrong_type = score_answer(CALL, _body([ToolCall("get_weather", {"city": "Oslo", "days": "two"})]), parser)
    assert wrong_type["error_type"] == "type_error"
    no_call = score_answer(CALL, _body(None, content="It is sunny."), parser)
    assert not no_call["valid"] and no_call["error_type"] == "no_call"
    # irrelevance: declining is right, any call is wrong
    assert score_answer(NO_TOOL, _body(None, content="I have no tool for jokes."), parser)["valid"]
    called = score_answer(NO_TOOL, _body([ToolCall("get_weather", {"city": "Oslo"})]), parser)
    assert not called["valid"] and called["error_type"] == "irrelevance_call"


def test_an_unreadable_final_answer_is_a_parse_error_as_in_evaluation():
    parser = get_parser("pythonic", strict=True)
    scored = score_answer(CALL, _body(None, content="[get_weather(city='Oslo'"), parser)
    assert not scored["valid"] and scored["error_type"] == "parse_error"
    # where no call is expected, an unreadable call counts as no call (BFCL's rule)
    assert score_answer(NO_TOOL, _body(None, content="[get_weather(city='Oslo'"), parser)["valid"]


def test_every_refinement_step_is_judged():
    parser = get_parser("pythonic", strict=True)
    wrong, right = ToolCall("get_weather", {"city": "oslo!"}), ToolCall("get_weather", {"city": "Oslo"})
    steps = [_step([wrong], True), _step([right], True), _step([right], False)]
    scored = score_answer(CALL, _body([right], steps=steps), parser)
    assert scored["valid"] and scored["steps_valid"] == [False, True, True]
    line = trace_line(_body([right], steps=steps), scored["steps_valid"], parser)
    assert line.startswith('wrong [get_weather(city="oslo!")] -> right [get_weather(city="Oslo")] -> right same -> ')
    assert line.endswith("3 model calls, stopped: converged")
    # a step is judged on the calls the endpoint read from it, like the final answer: prose
    # around a call (which the strict evaluation parser refuses) does not make it wrong
    wrapped = [_step([right], True, text='Sure! [get_weather(city="Oslo")] Done.')]
    assert score_answer(CALL, _body([right], steps=wrapped), parser)["steps_valid"] == [True]
    assert not parser.parse('Sure! [get_weather(city="Oslo")] Done.').calls


def test_endpoint_summary_counts_right_answers_per_category():
    results = [{"category": "simple", "valid": True}, {"category": "simple", "valid": False},
               {"category": "irrelevance", "valid": True}, {"category": "parallel", "valid": False}]
    summary = endpoint_summary(results)
    assert summary["right"] == 2 and summary["n"] == 4
    assert summary["by_category"] == {"irrelevance": {"right": 1, "n": 1}, "parallel": {"right": 0, "n": 1},
                                      "simple": {"right": 1, "n": 2}}
    assert summary_line(summary) == "2/4 held-out questions answered right (irrelevance 1/1, parallel 0/1, simple 1/2)"
    json.dumps(summary)  # endpoint.json holds it as is


def test_describe_shows_the_verdict_the_question_and_the_trace():
    parser = get_parser("pythonic", strict=True)
    steps = [_step([], True, text="I cannot", parse_error=None)]
    body = _body(None, content="I cannot", steps=steps)
    result = {"id": "q1", "category": "simple", "messages": CALL.messages, "response": body,
              **score_answer(CALL, body, parser)}
    text = describe(3, result, parser)
    lines = text.splitlines()
    assert len(lines) == 2
    assert lines[0] == " 3. [simple] q1: wrong (no_call)  'Weather in Oslo?'"
    assert lines[1].strip() == "wrong no call -> 1 model call, stopped: converged"

    unreadable = [_step([], True, text="[get_weather(city=", parse_error="unclosed")]
    assert "wrong unreadable '[get_weather(city='" in trace_line(_body(None, steps=unreadable), [False], parser)

    failed = {"id": "q2", "category": "irrelevance", "messages": NO_TOOL.messages, "valid": False,
              "error_type": "http_400", "error": "HTTP 400: the prompt does not fit"}
    assert describe(1, failed, parser).splitlines()[1].strip() == "HTTP 400: the prompt does not fit"
