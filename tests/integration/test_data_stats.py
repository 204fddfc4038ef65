"""`ray-toolace data stats`: counts and prompt lengths through a real tokenizer (the tiny model's)."""

from __future__ import annotations

import re

from transformers import AutoTokenizer

from ray_toolace.core.formats import read_jsonl
from ray_toolace.core.prompts import chat_messages
from ray_toolace.data.stats import file_stats
from ray_toolace.stages.inputs import bundled_path


def test_stats_count_prompt_tokens_of_each_sample(tiny_model_dir, tmp_path):
    rows = open(bundled_path("heldout"), encoding="utf-8").read().splitlines()[:20]
    data = tmp_path / "part.jsonl"
    data.write_text("\n".join(rows + ['{"not": "a sample"}']) + "\n", encoding="utf-8")

    report = file_stats(str(data), tokenizer=str(tiny_model_dir))

    samples = read_jsonl(str(data)).samples
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    lengths = sorted(
        len(tok.encode(tok.apply_chat_template(chat_messages(s.tools, s.messages), tokenize=False, add_generation_prompt=True), add_special_tokens=False))
        for s in samples
    )
    m = re.search(r"prompt tokens \(.*\): mean ([\d.]+), median (\d+), p95 (\d+), max (\d+)", report)
    assert m, report
    assert int(m.group(4)) == lengths[-1]
    assert float(m.group(1)) == round(sum(lengths) / len(lengths), 1)
    assert lengths[0] > 100  # a system prompt with the tool list, not a dict's two keys
    assert f"{len(samples)} samples, 1 rejected rows" in report
    assert "line 21:" in report


def test_stats_give_the_gold_answer_length_that_max_tokens_must_cover(tiny_model_dir):
    from ray_toolace.core.corpus import gold_text

    report = file_stats("bundled:heldout", tokenizer=str(tiny_model_dir))
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    lengths = [len(tok.encode(gold_text(s, "pythonic"), add_special_tokens=False)) for s in read_jsonl(bundled_path("heldout")).samples if s.expects_call]
    m = re.search(r"gold answer tokens \(pythonic\): mean ([\d.]+), median (\d+), p90 (\d+), p99 (\d+), max (\d+)", report)
    assert m, report
    assert int(m.group(5)) == max(lengths) and int(m.group(2)) <= int(m.group(3)) <= int(m.group(4)) <= max(lengths)
