"""The OpenAI-compatible tool-calling endpoint with adaptive self-refinement, on Ray Serve.

- protocol.py, answer.py, responses.py: pure (no Ray, vLLM or web framework): wire types and
  validation, the per-request refinement loop and tool_choice rules, response bodies;
- catalog.py: pure too: the served models of a run (`serve.rounds_from`), the one a request
  picks, when to list again, which loaded round makes room; rounds.py lists a run and copies a
  round's model from S3;
- engine.py: the vLLM async engine(s) as a Serve deployment;
- app.py: the FastAPI ingress and `build_app(cfg)` / `app_builder(args)`;
- deploy.py: start Serve on loopback, deploy, wait until healthy (jobs/serve.py, benchmarks);
- metrics.py: Prometheus metrics via ray.util.metrics.

Nothing heavy is imported here, so the pure modules stay importable on their own.
"""
