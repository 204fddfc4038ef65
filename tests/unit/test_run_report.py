"""The run report's numbers and Markdown: from a run.json as the iterate loop writes it, and item
by item from evaluation tables on local disk with known verdicts."""

import json
import math
import random

import pyarrow as pa
import pytest

from ray_toolace import storage
from ray_toolace.stages.run_report import collect, markdown, write_run_report


def _done(result: dict, seconds: float = 10.0) -> dict:
    return {"status": "done", "seconds": seconds, "result": result}


RUN = {
    "status": "done",
    "stop_reason": "max_rounds",
    "evals": {
        "1": {"metrics": {"bfcl": {"accuracy": {"simple": 0.5, "irrelevance": 1.0}, "overall": 0.75,
                                   "refined_accuracy": {"simple": 0.6, "irrelevance": 1.0}, "refined_overall": 0.8,
                                   "mean_model_calls": 2.1}}},
        "0": {"seconds": 42.0, "metrics": {"bfcl": {"accuracy": {"simple": 0.0, "irrelevance": 1.0}, "overall": 0.5,
                                   "refined_accuracy": None, "refined_overall": None, "mean_model_calls": 1.0}}},
    },
    "rounds": [
        {"round": 0, "model": "base", "stages": {
            "probe": _done({"summary": {"histogram": [3, 1, 0, 0, 1], "mean_pass_rate": 0.25}}, 60),
            "select": _done({"counts": {"mastered": 1, "learnable": 1, "too_hard": 3}, "moved": {}}),
            "corpus": _done({"counts": {"ordinary": 4, "refine_wrong": 1, "refine_right": 1, "available_wrong": 9}}),
            "train": _done({"loss": [1.5, 1.0, 0.7], "real_tokens_per_s": 61.0, "model_dir": "m1"}, 300),
            "eval": {"status": "running"},
        }},
    ],
}


def test_report_numbers_and_markdown():
    rep = collect(RUN)
    assert list(rep["evals"]) == ["0", "1"]  # ordered by model, not by insertion
    (r0,) = rep["rounds"]
    assert r0["histogram"] == [3, 1, 0, 0, 1] and r0["loss"] == [1.5, 1.0, 0.7]
    assert r0["seconds"] == {"probe": 60, "select": 10.0, "corpus": 10.0, "train": 300}  # unfinished eval left out

    md = markdown(rep)
    assert "Status: done (max_rounds)" in md
    # no evaluation tables given: run.json's summaries, said to carry no standard errors
    assert "figures from run.json, no standard errors" in md
    assert "| 0 (base) | bfcl | 50.00% | - | 1.00 |" in md and "| 1 (after round 0) | bfcl | 75.00% | 80.00% | 2.10 |" in md
    assert "mastered 1, learnable 1, too_hard 3" in md
    assert "ordinary 4, refine_wrong 1, refine_right 1 |" in md and "available_wrong" not in md
    assert "1.500 -> 0.700" in md
    assert "The base model's evaluation took 42 s." in md


# --- item-level figures from the evaluation tables ---------------------------------------------


def _row(id_, category, first, refine=None, status="ok", source="bfcl", calls=2, **extra):
    row = {"id": id_, "category": category, "source": source, "status": status,
           "valid": [first] if status == "ok" else [], "refine_valid": refine if refine is not None else ([first, first] if status == "ok" else []),
           "model_calls": calls if status == "ok" else 0, "prompt_tokens": 100, "completion_tokens": 10}
    row.update(extra)
    return row


def _base_rows():
    # simple s0..s39: first answer right on s0..s9; refinement breaks s0 and fixes s10..s12
    rows = []
    for i in range(40):
        first = i < 10
        rows.append(_row(f"s{i}", "simple", first, [first, (first and i != 0) or 10 <= i <= 12]))
    rows += [_row(f"r{i}", "irrelevance", i < 10) for i in range(20)]  # r0..r9 right
    rows += [_row(f"g{i}", "simple", i < 3, source="generated") for i in range(10)]  # held out: g0..g2 right
    return rows


def _trained_rows():
    # simple: right on s0..s29 and on s40 (an id the base table lacks); irrelevance right on r2..r11;
    # r20's prompt did not fit; the rows shuffled: pairing must go by id, not position
    rows = [_row(f"s{i}", "simple", i < 30 or i == 40, refine_prompt_tokens=50, refine_completion_tokens=5) for i in range(41)]
    rows += [_row(f"r{i}", "irrelevance", 2 <= i < 12, refine_prompt_tokens=50, refine_completion_tokens=5) for i in range(20)]
    rows.append(_row("r20", "irrelevance", False, status="prompt_too_long"))
    rows += [_row(f"g{i}", "simple", i < 4, source="generated") for i in range(10)]  # no refinement token columns here
    random.Random(0).shuffle(rows)
    return rows


def _write(run_dir, name, rows):
    storage.write_parquet(storage.join(str(run_dir), name, "table.parquet"), pa.Table.from_pylist(rows))


def _one(rep, **match):
    (d,) = [d for d in rep["paired"] if all(d[k] == v for k, v in match.items())]
    return d


def test_report_from_eval_tables(tmp_path):
    _write(tmp_path, "eval-0", _base_rows())
    _write(tmp_path, "eval-1", _trained_rows())
    run = json.loads(json.dumps(RUN))
    run["rounds"].append({"round": 1, "model": "m1", "stages": {"eval": {"status": "running"}}})  # eval-2 not written yet
    write_run_report(str(tmp_path), run)
    rep = json.loads((tmp_path / "report.json").read_text())
    md = (tmp_path / "report.md").read_text()

    # the keys others read are still there
    assert list(rep["evals"]) == ["0", "1"] and rep["rounds"][0]["loss"] == [1.5, 1.0, 0.7]
    assert rep["eval_models"] == {"0": "base", "1": "after round 0", "2": "after round 1"}
    assert rep["eval_tables_missing"] == ["2"] and "eval-2 (model 2 (after round 1))" in md

    # per category: n, accuracy ± se, flips, calls, tokens
    base = rep["eval_items"]["0"]["bfcl"]["categories"]["simple"]
    assert base["n"] == 40 and base["first"]["correct"] == 10
    assert base["first"]["se"] == pytest.approx(math.sqrt(0.25 * 0.75 / 40))
    assert base["refined"]["correct"] == 12 and base["flips"] == {"right_to_wrong": 1, "wrong_to_right": 3}
    assert base["mean_model_calls"] == 2 and base["mean_prompt_tokens"] == 100 and base["mean_completion_tokens"] == 10
    trained = rep["eval_items"]["1"]["bfcl"]
    assert trained["categories"]["simple"]["n"] == 41 and trained["categories"]["simple"]["first"]["correct"] == 31
    assert trained["categories"]["irrelevance"]["n"] == 20 and trained["categories"]["irrelevance"]["prompt_too_long"] == 1
    assert trained["all"]["mean_prompt_tokens"] == 150 and trained["all"]["mean_completion_tokens"] == 15  # with refinement tokens
    assert rep["tokens_include_refinement"] == {"0": False, "1": True}
    mean = rep["eval_items"]["0"]["bfcl"]["mean_of_categories"]["first"]
    assert mean["p"] == pytest.approx((0.25 + 0.5) / 2)
    assert mean["se"] == pytest.approx(math.sqrt(0.25 * 0.75 / 40 + 0.25 / 20) / 2)

    # trained vs base on the 40 common simple items: 20 right only for the trained model, none the other way
    non_live = _one(rep, kind="vs_base", source="bfcl", group="non_live", answer="first")
    assert (non_live["model_a"], non_live["model_b"], non_live["n"], non_live["n10"], non_live["n01"]) == ("0", "1", 40, 0, 20)
    assert non_live["diff"] == pytest.approx(0.5) and non_live["se"] == pytest.approx(math.sqrt(10) / 40)
    assert non_live["low"] == pytest.approx(0.5 - 1.96 * math.sqrt(10) / 40)
    assert non_live["verdict"] == "B better than A beyond noise"
    # irrelevance: 2 flips each way on the 20 common items (r20 was not answered by the trained model)
    irr = _one(rep, kind="vs_base", source="bfcl", group="irrelevance", answer="first")
    assert (irr["n"], irr["n10"], irr["n01"], irr["diff"]) == (20, 2, 2, 0.0)
    assert irr["verdict"] == "within noise (the 95% interval contains 0)"
    everything = _one(rep, kind="vs_base", source="bfcl", group="all", answer="first")
    assert (everything["n"], everything["n10"], everything["n01"]) == (60, 2, 22)
    assert everything["se"] == pytest.approx(math.sqrt(24 - 20 ** 2 / 60) / 60)
    # after refinement the base model has 12 of the 40 simple items right, the trained one 30
    refined = _one(rep, kind="vs_base", source="bfcl", group="non_live", answer="refined")
    # right only for the trained model: s0 (the base's refinement broke it) and s13..s29 (s10..s12 the base fixed)
    assert (refined["n10"], refined["n01"], refined["b"]["correct"] - refined["a"]["correct"]) == (0, 18, 18)
    assert not [d for d in rep["paired"] if d["kind"] == "vs_previous"]  # model 1's previous model is the base
    # the held-out source holds only simple items: its non-live group would repeat "all", so it is left out
    held_out = [d for d in rep["paired"] if d["source"] == "generated" and d["kind"] == "vs_base"]
    assert {d["group"] for d in held_out} == {"all"}
    assert (held_out[0]["n"], held_out[0]["n10"], held_out[0]["n01"]) == (10, 0, 1)
    assert held_out[0]["caveat"].startswith("only 1 discordant")

    # the refinement gain of the base model on simple: 3 fixed, 1 broken of 40, within noise
    gain = _one(rep, kind="refinement", model_a="0", source="bfcl", group="non_live")
    assert (gain["n"], gain["n10"], gain["n01"], gain["diff"]) == (40, 1, 3, pytest.approx(0.05))
    assert gain["verdict"] == "within noise (the 95% interval contains 0)" and "only 4 discordant" in gain["caveat"]
    assert _one(rep, kind="refinement", model_a="1", source="bfcl", group="all")["diff"] == 0

    # report.md shows the same figures
    assert "| simple | 0 (base) | 40 | 0 | 25.0% ± 6.8 | 30.0% ± 7.2 | 1 | 3 | 2.00 | 100 | 10 |" in md
    assert "| irrelevance | 1 (after round 0) | 20 | 1 | 50.0% ± 11.2 |" in md
    assert ("| bfcl | non_live | first answer | 0 (base) | 1 (after round 0) | 40 | 25.0% ± 6.8 | 75.0% ± 6.8 | +50.0 | "
            "[+34.5, +65.5] | 0 | 20 | B better than A beyond noise |") in md
    assert "| bfcl | irrelevance | first answer | 0 (base) | 1 (after round 0) | 20 |" in md
    assert "within noise (the 95% interval contains 0)" in md
    assert "| 0 (base) | bfcl | non_live | 40 | 25.0% ± 6.8 | 30.0% ± 7.2 | +5.0 |" in md
    assert ("- bfcl: model 1 (after round 0) - model 0 (base), first answer: +33.3 points, 95% interval [+19.7, +46.9] (n=60): "
            "model 1 better than model 0 beyond noise.") in md
    assert "- bfcl: model 0 (base), after refinement - first answer: +3.3 points" in md
    assert "### generated" in md and "eval_accuracy_generated.png" in md
    assert "one standard error" in md and "not BFCL's official overall" in md
    assert "first answer only for model(s) 0" in md
    assert (tmp_path / "eval_accuracy_bfcl.png").read_bytes()[:4] == b"\x89PNG"
    assert "eval_accuracy_bfcl.png" in md

    # BFCL v4 of the bfcl source, per model (core/bfcl_score.py); the generated source has none
    assert set(rep["bfcl_v4"]) == {"0", "1"}
    v4 = rep["bfcl_v4"]["0"]["first"]
    simple = v4["subgroups"]["non_live_simple"]  # simple_python 25%, Java and JavaScript not run (as 0)
    assert simple["accuracy"] == pytest.approx(0.25 / 3) and simple["n"] == 40
    assert simple["status"] == "partial" and simple["not_run"] == ["simple_java", "simple_javascript"]
    assert v4["groups"]["non_live"]["accuracy"] == pytest.approx(0.25 / 12)
    assert v4["groups"]["irrelevance_detection"]["accuracy"] == pytest.approx(0.25)  # live_irrelevance not run
    assert v4["groups"]["live"]["status"] == v4["groups"]["multi_turn"]["status"] == "not run"
    overall_se = math.sqrt((0.1 / 12) ** 2 * 0.25 * 0.75 / 40 + 0.05 ** 2 * 0.25 / 20)
    assert v4["overall"]["accuracy"] == pytest.approx(0.1 * 0.25 / 12 + 0.1 * 0.25)
    assert v4["overall"]["se"] == pytest.approx(overall_se) and v4["overall"]["n"] == 60
    assert rep["bfcl_v4"]["0"]["refined"]["categories"]["simple_python"]["correct"] == 12
    assert rep["bfcl_v4"]["1"]["first"]["categories"]["simple_python"]["n"] == 41  # answered samples, as above
    assert "### BFCL v4 (bfcl)" in md
    assert ("| **Overall Acc** | 100% | 0 (base) | 60 | 2.71% ± 0.56 | 2.75% ± 0.56 | "
            "partial: 19 of 21 categories not run (count as 0) |") in md
    assert ("| ↳ Non-Live Simple AST |  | 0 (base) | 40 | 8.33% ± 2.28 | 10.00% ± 2.42 | "
            "partial: not run (as 0): simple_java, simple_javascript |") in md
    assert "| Live Acc | 10% | 1 (after round 0) | 0 | N/A | N/A | not run (counts as 0) |" in md
    assert "| Relevance Detection | - | 0 (base) | 0 | N/A | N/A | not run (counts as 0) |" in md


def test_report_without_tables_shows_run_json_figures(tmp_path):
    write_run_report(str(tmp_path), RUN)
    rep = json.loads((tmp_path / "report.json").read_text())
    assert rep["eval_items"] == {} and rep["paired"] == [] and rep["eval_tables_missing"] == ["0", "1"]
    md = (tmp_path / "report.md").read_text()
    assert "Evaluation tables not written yet: eval-0" in md
    assert "| 1 (after round 0) | bfcl | 75.00% | 80.00% | 2.10 |" in md
    assert "Paired comparisons" not in md


def test_probe_report_accuracies_carry_se_from_the_table(tmp_path):
    from ray_toolace.stages.report import probe_markdown, write_probe_report

    part = {"samples": 60, "mean_pass_rate": 0.33, "accuracy_by_category": {"irrelevance": 0.5, "simple": 0.25}, "overall": 0.375,
            "refinement": {"per_step": [{"step": 0, "overall": 0.375, "by_category": {"irrelevance": 0.5, "simple": 0.25}},
                                        {"step": 1, "overall": 0.4, "by_category": {"irrelevance": 0.5, "simple": 0.3}}],
                           "mean_model_calls": 2.0,
                           "stop_reasons": {"converged": 60}}}
    summary = {"samples": 70, "answered": 70, "prompt_too_long": 0, "rejects": 0, "mean_pass_rate": 0.33, "pass_at_k": 0.33,
               "by_source": {"bfcl": part}, "errors": {}, "histogram": [1] * 10}
    bare = probe_markdown(summary, "eval")
    assert "No table to compute standard errors from" in bare and "| **mean of categories (unweighted)** | 37.50% |" in bare
    _write(tmp_path, "eval", _base_rows())
    write_probe_report(str(tmp_path / "eval"), summary, "eval")  # reads the table written beside it
    md = (tmp_path / "eval" / "summary.md").read_text()
    assert "| simple | 40 | 25.0% ± 6.8 | 30.0% ± 7.2 | 1 | 3 |" in md
    assert "| **all items** | 60 | 33.3% ± 6.1 | 36.7% ± 6.2 | 1 | 3 |" in md
    assert "| **mean of categories (unweighted)** | 60 | 37.5% ± 6.6 | 40.0% ± 6.7 |" in md
    assert "one standard error" in md and "No table" not in md
    # the bfcl source's BFCL v4 table (one model: no model column); none for the generated source
    assert "| group | weight in overall | n | first answer | after refinement | not run |" in md
    assert "| **Overall Acc** | 100% | 60 | 2.71% ± 0.56 | 2.75% ± 0.56 | partial: 19 of 21 categories not run (count as 0) |" in md
    assert "| Irrelevance Detection | 10% | 20 | 25.00% ± 5.59 | 25.00% ± 5.59 | partial: not run (as 0): live_irrelevance |" in md
    assert md.count("| **Overall Acc** |") == 1
    assert "BFCL v4" not in bare  # without the table there are no counts to weigh by


def _sample_json(id_, category, history: bool) -> str:
    from ray_toolace.core.types import Sample

    turns = [{"role": "user", "content": "earlier"},
             {"role": "assistant", "content": None, "tool_calls": [{"id": "c0", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
             {"role": "tool", "tool_call_id": "c0", "content": "{}"}] if history else []
    sample = Sample(id_, category, [], turns + [{"role": "user", "content": "now"}], [], "generated")
    return json.dumps(sample.to_row())


def test_multi_turn_samples_have_a_row_and_a_comparison_of_their_own(tmp_path):
    # g0..g9 simple and i0..i3 irrelevance; the multi-turn ones (tool results in the history) are g0..g3
    # and i0; the base model gets g0 and i0..i3 right, the trained one g0..g5 and i1..i3
    def rows(right):
        out = [_row(f"g{i}", "simple", f"g{i}" in right, source="generated", sample=_sample_json(f"g{i}", "simple", i < 4)) for i in range(10)]
        out += [_row(f"i{i}", "irrelevance", f"i{i}" in right, source="generated", sample=_sample_json(f"i{i}", "irrelevance", i == 0)) for i in range(4)]
        return out

    _write(tmp_path, "eval-0", rows({"g0", "i0", "i1", "i2", "i3"}))
    _write(tmp_path, "eval-1", rows({f"g{i}" for i in range(6)} | {"i1", "i2", "i3"}))
    write_run_report(str(tmp_path), json.loads(json.dumps(RUN)))
    rep = json.loads((tmp_path / "report.json").read_text())
    md = (tmp_path / "report.md").read_text()

    base = rep["eval_items"]["0"]["generated"]["with_tool_results"]
    trained = rep["eval_items"]["1"]["generated"]["with_tool_results"]
    assert base["n"] == 5 and base["first"]["correct"] == 2       # g0, i0
    assert trained["n"] == 5 and trained["first"]["correct"] == 4  # g0..g3
    assert "| multi-turn (tool results in the history) | 0 (base) | 5 |" in md
    d = _one(rep, kind="vs_base", source="generated", group="with_tool_results", answer="first")
    assert d["n"] == 5 and d["diff"] == pytest.approx(2 / 5)  # g1, g2, g3 gained, i0 lost
    # a table without sample columns has no such row
    assert "with_tool_results" not in rep["eval_items"]["0"].get("bfcl", {})
