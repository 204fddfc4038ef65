"""The model engine: vLLM behind `Engine` (render prompts, generate n answers)."""
