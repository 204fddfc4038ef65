"""Thin Ray wiring, one module per stage: read inputs, probe, select, corpus, train, evaluate."""
