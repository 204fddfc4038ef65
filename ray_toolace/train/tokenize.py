"""Corpus records -> token ids with a loss mask on the assistant answer only.

    tok = load_tokenizer(model_path)
    seqs, dropped = tokenize_records(tok, records, max_seq_len=1024)

A record is ``{messages, target, ...}`` (see `ray_toolace.core.corpus`). The prompt is rendered
with the model's own chat template and the generation prompt; the answer is what the template
adds after it when the target is appended as an assistant turn (the answer text plus the
template's end-of-turn tokens, which the model must learn to emit so generation stops). Prompt
tokens get label -100, answer tokens their own id. Prompt and answer are tokenized separately,
so no BPE merge can straddle the boundary and shift it.

A sequence longer than `max_seq_len` is dropped and counted, not truncated: a cut prompt loses
the tools or the question, and a cut answer teaches a broken call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

IGNORE = -100  # the label value cross-entropy skips


@dataclass(frozen=True)
class Sequence:
    """One training sequence: ids and labels of equal length, prompt labels masked."""

    input_ids: list[int]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def target_tokens(self) -> int:
        return sum(1 for x in self.labels if x != IGNORE)


def load_tokenizer(path: str):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    if tok.pad_token_id is None:
        # padding positions are masked out of the loss, so any id will do; eos is always there
        tok.pad_token = tok.eos_token
    return tok


def _messages(record: dict[str, Any]) -> list[dict[str, Any]]:
    import json

    messages = record["messages"]
    return json.loads(messages) if isinstance(messages, str) else list(messages)


def render(tokenizer, record: dict[str, Any]) -> tuple[str, str]:
    """(prompt text, answer text) of one record under the tokenizer's chat template."""
    messages = _messages(record)
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(
        messages + [{"role": "assistant", "content": record["target"]}], tokenize=False
    )
    if not full.startswith(prompt):
        # templates that rewrite earlier turns once an answer follows (some strip reasoning)
        # have no clean answer span; training on them would put the mask in the wrong place
        raise ValueError(f"record {record.get('id')}: the chat template does not extend the prompt with the answer")
    return prompt, full[len(prompt) :]


def tokenize_record(tokenizer, record: dict[str, Any]) -> Sequence:
    prompt, answer = render(tokenizer, record)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
    return Sequence(prompt_ids + answer_ids, [IGNORE] * len(prompt_ids) + answer_ids)


def tokenize_records(tokenizer, records: Iterable[dict[str, Any]], max_seq_len: int) -> tuple[list[Sequence], int]:
    """Every record that fits `max_seq_len` and has answer tokens; and how many were dropped."""
    out: list[Sequence] = []
    dropped = 0
    for record in records:
        seq = tokenize_record(tokenizer, record)
        if len(seq) > max_seq_len or seq.target_tokens == 0:
            dropped += 1
            continue
        out.append(seq)
    return out, dropped
