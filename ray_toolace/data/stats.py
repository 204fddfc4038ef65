"""`ray-toolace data stats FILE`: what a data set holds, before any job spends time on it.

Counts by category, tools per sample, turns, prompt length in tokens (our prompt rendered through
the tokenizer's own chat template), gold answer length in tokens (what `sampling.max_tokens` must
leave room for) and rejected rows with their reasons. FILE is a JSON-lines
file in any supported format, `bundled:train`, or `bfcl:<categories>` / `bfcl:all`.
"""

from __future__ import annotations

from collections import Counter
from statistics import mean

from ray_toolace.core.formats import bfcl, read_jsonl
from ray_toolace.core.prompts import chat_messages
from ray_toolace.core.types import ReadResult


def _read(spec: str) -> ReadResult:
    if spec.startswith("bfcl:"):
        return bfcl.read_categories(bfcl.categories_of(spec[len("bfcl:") :]))
    if spec.startswith("bundled:"):
        from ray_toolace.stages.inputs import bundled_path

        spec = bundled_path(spec[len("bundled:") :])
    return read_jsonl(spec)


def _spread(values: list[int], quantiles: tuple[float, ...] = (0.5, 0.95)) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    parts = [f"mean {mean(values):.1f}"] + [("median" if q == 0.5 else f"p{round(100 * q)}") + f" {pick(q)}" for q in quantiles]
    return ", ".join(parts + [f"max {ordered[-1]}"])


def file_stats(spec: str, tokenizer: str | None = None, fmt: str = "pythonic") -> str:
    result = _read(spec)
    samples = result.samples
    lines = [f"{spec}: {len(samples)} samples, {len(result.rejects)} rejected rows", ""]
    cats = Counter(s.category for s in samples)
    width = max([len(c) for c in cats] + [8])
    lines.append(f"{'category':<{width}}  samples  share")
    for cat, n in sorted(cats.items()):
        lines.append(f"{cat:<{width}}  {n:>7}  {100 * n / len(samples):5.1f}%")
    lines += ["", f"tools per sample: {_spread([len(s.tools) for s in samples])}"]
    lines.append(f"turns before the answer: {_spread([len(s.messages) for s in samples])}")
    lines.append(f"gold calls per sample: {_spread([len(s.ground_truth) for s in samples])}")
    if tokenizer:
        from transformers import AutoTokenizer

        from ray_toolace.core.corpus import gold_text
        from ray_toolace.engine.prompt import prompt_token_ids, render_prompt
        from ray_toolace.model.resolve import resolve_model

        tok = AutoTokenizer.from_pretrained(resolve_model(tokenizer))
        # counted as the engines count a prompt
        lengths = [len(prompt_token_ids(tok, render_prompt(tok, chat_messages(s.tools, s.messages, fmt)))) for s in samples]
        lines.append(f"prompt tokens ({tokenizer}, {fmt} prompt): {_spread(lengths)}")
        # what sampling.max_tokens must leave room for: a cut-off gold answer can never be right
        answers = [len(tok.encode(gold_text(s, fmt), add_special_tokens=False)) for s in samples if s.expects_call]
        lines.append(f"gold answer tokens ({fmt}): {_spread(answers, (0.5, 0.9, 0.99))}")
    if result.rejects:
        lines += ["", "rejected rows (first 10):"]
        lines += [f"  line {r.line}: {r.reason}" for r in result.rejects[:10]]
        reasons = Counter(r.reason.split(":")[0] for r in result.rejects)
        lines += [f"  {n} x {reason}" for reason, n in reasons.most_common(5)]
    return "\n".join(lines)
