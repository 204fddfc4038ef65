"""The training pool's draw (`data.limit_draw`) and the evaluation draw, on the bundled data."""

from collections import Counter

from ray_toolace.config import load_config
from ray_toolace.stages.inputs import evaluation_inputs, read_inputs, training_inputs


def test_first_takes_the_files_first_rows():
    cfg = load_config(None, ["data.limit=20"])
    got = training_inputs(cfg).samples
    assert [s.id for s in got] == [s.id for s in read_inputs(["bundled:train"]).samples[:20]]


def test_stratified_spreads_the_pool_over_every_category_in_file_order():
    cfg = load_config(None, ["data.limit=64", "data.limit_draw=stratified"])
    got = training_inputs(cfg).samples
    assert len(got) == 64
    counts = Counter(s.category for s in got)
    # five categories in the bundled training split: 64 = 13+13+13+13+12
    assert sorted(counts.values()) == [12, 13, 13, 13, 13], counts
    assert counts["irrelevance"] >= 12
    order = {s.id: i for i, s in enumerate(read_inputs(["bundled:train"]).samples)}
    assert [order[s.id] for s in got] == sorted(order[s.id] for s in got)


def test_stratified_is_seeded():
    a = training_inputs(load_config(None, ["data.limit=30", "data.limit_draw=stratified"])).samples
    b = training_inputs(load_config(None, ["data.limit=30", "data.limit_draw=stratified"])).samples
    c = training_inputs(load_config(None, ["data.limit=30", "data.limit_draw=stratified", "data.seed=1"])).samples
    assert [s.id for s in a] == [s.id for s in b]
    assert [s.id for s in a] != [s.id for s in c]


def test_evaluation_takes_at_most_eval_limit_per_category():
    cfg = load_config(None, ["data.eval=[bundled:heldout]", "data.eval_limit=4"])
    counts = Counter(s.category for s in evaluation_inputs(cfg).samples)
    assert set(counts.values()) == {4} and "irrelevance" in counts


def test_weighted_stratified_draw_leans_towards_the_weighted_category():
    cfg = load_config(None, ["data.limit=64", "data.limit_draw=stratified", "data.limit_weights={irrelevance: 2.5}"])
    counts = Counter(s.category for s in training_inputs(cfg).samples)
    assert sum(counts.values()) == 64
    # weights 1, 1, 1, 1, 2.5: 64 x 2.5 / 6.5 = 24.6 no-call samples, about 9.8 of each other category
    assert counts["irrelevance"] in (24, 25), counts
    assert all(counts[c] in (9, 10) for c in counts if c != "irrelevance"), counts
    unweighted = training_inputs(load_config(None, ["data.limit=64", "data.limit_draw=stratified"])).samples
    # the weighted pool's draw of each category starts from the same shuffled order
    assert {s.id for s in unweighted if s.category == "simple"} >= {s.id for s in training_inputs(cfg).samples if s.category == "simple"}


def test_weights_need_a_stratified_draw_and_positive_values():
    import pytest

    with pytest.raises(ValueError, match="stratified"):
        load_config(None, ["data.limit=64", "data.limit_weights={irrelevance: 2}"])
    with pytest.raises(ValueError, match="positive"):
        load_config(None, ["data.limit=64", "data.limit_draw=stratified", "data.limit_weights={irrelevance: 0}"])
