"""Probe rows with refinement, and the refinement figures per category (core/probe_table.py)."""

import json

from ray_toolace.core.generation import Generation
from ray_toolace.core.parsers import get_parser
from ray_toolace.core.probe_table import probe_row, refinement_summary, summarize, too_long_row
from ray_toolace.core.refine import RefineLoop, run_batch
from ray_toolace.core.types import Sample

P = get_parser("pythonic", strict=True)
TOOLS = [{"name": "get_weather", "description": "Weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
GOLD = [{"get_weather": {"city": ["Paris"]}}]
RIGHT, WRONG = '[get_weather(city="Paris")]', '[get_weather(city="Rome")]'


def sample(sid, category="simple"):
    return Sample(sid, category, TOOLS, [{"role": "user", "content": sid}], GOLD, "test")


def evaluated(answers_by_id, categories=None, schedule="adaptive"):
    """Rows as the evaluation writes them: each sample's scripted answers through RefineLoop."""
    script = {sid: list(a) for sid, a in answers_by_id.items()}

    def generate(conversations, n, temperature):
        return [Generation([script[c[1]["content"]].pop(0)], 50, 5, ["stop"]) for c in conversations]

    samples = [sample(sid, (categories or {}).get(sid, "simple")) for sid in answers_by_id]
    loops = [RefineLoop(P, s.tools, s.messages, max_refinements=2, schedule=schedule) for s in samples]
    run_batch(loops, generate)
    return [probe_row(s, l.first.texts, P, l.first.prompt_tokens, l.first.completion_tokens, 0, l) for s, l in zip(samples, loops)]


def test_a_refined_row_holds_each_step_verdict_calls_and_refinement_tokens():
    (row,) = evaluated({"s": [WRONG, RIGHT, RIGHT]})
    assert row["valid"] == [False] and row["refine_valid"] == [False, True, True]
    assert (row["model_calls"], row["stop_reason"]) == (3, "converged")
    assert (row["prompt_tokens"], row["completion_tokens"]) == (50, 5)  # the first call
    assert (row["refine_prompt_tokens"], row["refine_completion_tokens"]) == (100, 10)  # the two refinements
    assert json.loads(row["refine_trace"])["schedule"] == "adaptive"
    (fixed,) = evaluated({"s": [RIGHT, RIGHT, RIGHT]}, schedule="fixed")
    assert fixed["model_calls"] == 3 and fixed["stop_reason"] == "max_refinements"


def test_refinement_summary_per_category_counts_flips_and_cost():
    rows = evaluated(
        {
            "fix": [WRONG, RIGHT, RIGHT],  # wrong -> right, 3 calls
            "keep": [RIGHT, RIGHT],  # right, kept, 2 calls
            "break": [RIGHT, WRONG, WRONG],  # right -> wrong, 3 calls
            "stuck": [WRONG, WRONG],  # wrong, kept, 2 calls
        },
        categories={"stuck": "multiple"},
    )
    s = refinement_summary(rows)
    simple, multiple = s["by_category"]["simple"], s["by_category"]["multiple"]
    assert (simple["n"], simple["first_accuracy"], simple["refined_accuracy"]) == (3, 2 / 3, 2 / 3)
    assert (simple["right_to_wrong"], simple["wrong_to_right"]) == (1, 1)
    assert simple["mean_model_calls"] == 8 / 3
    assert simple["mean_prompt_tokens"] == 50 * 8 / 3 and simple["mean_completion_tokens"] == 5 * 8 / 3
    assert (multiple["n"], multiple["refined_accuracy"], multiple["right_to_wrong"] + multiple["wrong_to_right"]) == (1, 0.0, 0)
    assert s["all"]["n"] == 4 and s["all"]["wrong_to_right"] == 1 and s["all"]["mean_model_calls"] == 2.5
    # the keys the run report and iterate read
    assert s["mean_model_calls"] == 2.5 and s["stop_reasons"] == {"converged": 4}
    assert [p["step"] for p in s["per_step"]] == [0, 1, 2]
    assert s["per_step"][-1]["by_category"]["simple"] == simple["refined_accuracy"]


def test_summary_adds_refinement_tokens_and_skips_unrefined_rows():
    rows = evaluated({"a": [WRONG, RIGHT, RIGHT]}) + [too_long_row(sample("long"), 0, 5000)]
    plain = probe_row(sample("p"), [RIGHT, WRONG], P, 40, 8, 0)
    s = summarize(rows + [plain])
    assert (s["refine_prompt_tokens"], s["refine_completion_tokens"]) == (100, 10)
    assert s["refinement"]["all"]["n"] == 1 and s["prompt_too_long"] == 1
    assert plain["refine_valid"] == [] and plain["refine_prompt_tokens"] == 0
