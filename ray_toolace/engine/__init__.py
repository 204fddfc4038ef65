"""The model engines and their one contract.

- vllm_engine.Engine: offline, batched (the probe and evaluation): conversations in, n answers each;
- async_engine.AsyncEngine: continuous batching, one conversation per call (the endpoint);
- both return core/generation.py's `Generation`, or `TooLong` for a prompt that does not fit
  (`fits`: prompt tokens + max_tokens <= max_model_len), and render prompts with prompt.py;
- placement.py: whether engines get GPUs, and what that means for dtype, eager mode and LoRA.
"""
