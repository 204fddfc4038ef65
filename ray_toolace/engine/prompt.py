"""A chat prompt as every engine sees it: the model's own chat template rendered to text, then
encoded without adding special tokens (the template already holds them).

Works with any Hugging Face tokenizer, vLLM's included, and imports neither: `data stats`
counts prompt tokens with these and no engine, and gets the engines' figure.
"""

from __future__ import annotations

from typing import Any


class PromptRejected(ValueError):
    """The model's chat template (or tokenizer) refused the conversation: the caller's input,
    not a broken engine (the endpoint answers 400)."""


def render_prompt(tokenizer: Any, messages: list[dict[str, Any]]) -> str:
    """The prompt text through the model's own chat template (tools are in the messages)."""
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def prompt_token_ids(tokenizer: Any, prompt: str) -> list[int]:
    """The prompt's tokens. Not `apply_chat_template(tokenize=True)`: in recent transformers that
    returns an encoding dict, not a list of ids."""
    return tokenizer.encode(prompt, add_special_tokens=False)
