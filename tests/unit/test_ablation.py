"""The method ablation's verdicts (core/ablation.py) on evaluation rows with known outcomes."""

from ray_toolace.core.ablation import arm_figures, claims, compare, gain_difference


def rows(first, refined=None, calls=2, source="generated"):
    refined = refined if refined is not None else first
    return [{"id": f"s{i}", "source": source, "category": "simple", "status": "ok", "valid": [f],
             "refine_valid": [f, r], "model_calls": calls, "prompt_tokens": 100, "completion_tokens": 10,
             "refine_prompt_tokens": 100 * (calls - 1), "refine_completion_tokens": 10 * (calls - 1)}
            for i, (f, r) in enumerate(zip(first, refined))]


def test_arm_figures_count_flips_and_cost_per_sample():
    f = arm_figures(rows([True, False, False, True], [True, True, False, False], calls=3))
    assert (f["n"], f["first"].correct, f["refined"].correct) == (4, 2, 2)
    assert (f["wrong_to_right"], f["right_to_wrong"]) == (1, 1)
    assert f["model_calls"] == 3 and f["prompt_tokens"] == 300 and f["generated_tokens"] == 30


def test_selection_claim_supported_only_beyond_noise():
    n = 100
    selected = rows([i < 40 for i in range(n)])
    random_ = rows([i < 10 for i in range(n)])
    verdict = {c["claim"][:3]: c for c in claims({"selected_plain": selected, "random_plain": random_})}["(a)"]
    assert verdict["verdict"] == "supported" and "+30.0 pts" in verdict["figure"]
    close = rows([i < 12 for i in range(n)])
    assert claims({"selected_plain": close, "random_plain": random_})[0]["verdict"].startswith("not supported")
    worse = rows([False] * n)
    assert claims({"selected_plain": worse, "random_plain": random_})[0]["verdict"] == "contradicted"


def test_refinement_claim_rests_on_the_gain_of_the_model_trained_with_the_corpus():
    n = 100
    with_corpus = rows([i < 20 for i in range(n)], [i < 40 for i in range(n)])
    without = rows([i < 20 for i in range(n)])
    c = [x for x in claims({"selected": with_corpus, "selected_plain": without}) if x["claim"].startswith("(b)")][0]
    assert c["verdict"] == "supported" and "wrong->right 20" in c["figure"]
    d = gain_difference(with_corpus, without)
    assert abs(d["diff"] - 0.20) < 1e-9 and d["low"] > 0
    flat = [x for x in claims({"selected": without, "selected_plain": without}) if x["claim"].startswith("(b)")][0]
    assert flat["verdict"].startswith("not supported")


def test_schedule_claim_needs_fewer_calls_at_equal_accuracy():
    same = [i < 30 for i in range(60)]
    c = claims({"selected": rows(same, calls=2), "selected_fixed": rows(same, calls=4)})[0]
    assert c["verdict"] == "supported" and c["detail"]["calls_ratio"] == 0.5
    worse = claims({"selected": rows([False] * 60, calls=2), "selected_fixed": rows([True] * 60, calls=4)})[0]
    assert worse["verdict"].startswith("contradicted")
    dearer = claims({"selected": rows(same, calls=4), "selected_fixed": rows(same, calls=4)})[0]
    assert dearer["verdict"] == "not supported: adaptive is not cheaper"


def test_comparisons_pair_by_id_and_skip_unanswered_items():
    a = rows([True, False, True])
    b = rows([True, True, True])[::-1] + [{"id": "extra", "source": "generated", "status": "ok", "valid": [True]}]
    b[0]["status"] = "prompt_too_long"  # s2 unanswered on B's side
    d = compare(a, b)
    assert d.n == 2 and d.n01 == 1 and d.n10 == 0
