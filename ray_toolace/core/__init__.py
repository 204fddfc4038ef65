"""The pure core: types, readers, answer parsers, the checker, scoring, prompts.

Nothing here imports Ray, torch, vLLM or transformers (tests/unit/test_core_is_pure.py
checks it in a fresh interpreter), so every decision is testable in milliseconds.
"""
