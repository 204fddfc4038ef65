"""The demo's own decisions: which model it serves, which question it asks, what it prints."""

from ray_toolace.config import Config
from ray_toolace.core.types import Sample
from ray_toolace.pipeline import demo_question, describe, final_model


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


def test_demo_question_is_a_single_turn_single_call():
    s = demo_question(Config())
    assert s.category == "simple" and len(s.messages) == 1 and s.messages[0]["role"] == "user"
    assert len(s.ground_truth) == 1 and s.tools


def test_describe_shows_calls_and_every_refinement_step():
    sample = Sample("q1", "simple", [{"name": "get_weather", "parameters": {}}],
                    [{"role": "user", "content": "Weather in Oslo?"}], [{"get_weather": {"city": ["Oslo"]}}], "generated")
    body = {
        "choices": [{"message": {"tool_calls": [{"function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}]}}],
        "refinement": {
            "steps": [{"calls": [{"name": "get_weather", "arguments": {"city": "oslo"}}], "changed": True},
                      {"calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}], "changed": True},
                      {"calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}], "changed": False}],
            "model_calls": 3, "stop_reason": "converged",
        },
    }
    text = describe(sample, body)
    assert 'tool call: get_weather({"city": "Oslo"})' in text
    assert text.count("  step ") == 3 and "changed=False" in text
    assert "3 model calls" in text and "'converged'" in text

    no_call = {"choices": [{"message": {"content": "I cannot help with that.", "tool_calls": None}}],
               "refinement": {"steps": [{"calls": [], "changed": True}], "model_calls": 1, "stop_reason": "disabled"}}
    assert "no call; content: 'I cannot help with that.'" in describe(sample, no_call)
