"""What one model call returns, as every engine hands it back and every refinement loop takes it.

    if not fits(prompt_tokens, max_tokens, max_model_len):
        return TooLong(prompt_tokens, max_tokens, max_model_len)
    return Generation(texts, prompt_tokens, completion_tokens, finish_reasons)

The offline engine (probe, evaluation), the async engine (the endpoint) and the pure serve code
all use these two types, and `fits` is the only prompt-too-long rule: a prompt is answered only
when its tokens plus the answer's `max_tokens` fit the model's context. A prompt that does not
fit is not an error but an answer of its own kind (`TooLong`), so a batch carries on with the
prompts that fit and a refinement loop can stop where it is.
"""

from __future__ import annotations

from dataclasses import dataclass


def fits(prompt_tokens: int, max_tokens: int, max_model_len: int) -> bool:
    """Whether a prompt leaves room for a whole answer of `max_tokens` in the context."""
    return prompt_tokens + max_tokens <= max_model_len


@dataclass(frozen=True)
class Generation:
    """The n answers to one prompt (n = 1 but for the probe's k samples), with token counts."""

    texts: list[str]
    prompt_tokens: int  # the prompt once: the n answers share its prefill
    completion_tokens: int  # summed over the n answers
    finish_reasons: list[str]  # per answer: "stop", or "length" when max_tokens cut it

    @property
    def text(self) -> str:
        return self.texts[0]

    @property
    def finish_reason(self) -> str:
        return self.finish_reasons[0] if self.finish_reasons else "stop"


class Tally:
    """Model calls and tokens over the `generations` a loop made (the refinement loop and the
    multi-turn loop both count them so)."""

    generations: list[Generation]

    @property
    def model_calls(self) -> int:
        return len(self.generations)

    @property
    def prompt_tokens(self) -> int:
        return sum(g.prompt_tokens for g in self.generations)

    @property
    def completion_tokens(self) -> int:
        return sum(g.completion_tokens for g in self.generations)


@dataclass(frozen=True)
class TooLong:
    """The answer to a prompt that does not fit: nothing was generated."""

    prompt_tokens: int
    max_tokens: int
    max_model_len: int

    def __str__(self) -> str:
        return (f"the prompt has {self.prompt_tokens} tokens and the answer may have {self.max_tokens}; "
                f"the model's context holds {self.max_model_len}")
