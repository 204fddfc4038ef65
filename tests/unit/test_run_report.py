"""The run report's numbers and Markdown, from a run.json as the iterate loop writes it."""

from ray_toolace.stages.run_report import collect, markdown


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
    assert "| 0 | 50.00% | - | 1.00 |" in md and "| 1 | 75.00% | 80.00% | 2.10 |" in md
    assert "| 1 | 100.0% | 50.0% |" in md  # per category, columns sorted: irrelevance, simple
    assert "mastered 1, learnable 1, too_hard 3" in md
    assert "ordinary 4, refine_wrong 1, refine_right 1 |" in md and "available_wrong" not in md
    assert "1.500 -> 0.700" in md
    assert "The base model's evaluation took 42 s." in md
