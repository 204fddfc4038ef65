"""The OpenAI-compatible tool-calling endpoint with adaptive self-refinement, on Ray Serve.

- protocol.py, answer.py, responses.py: pure (no Ray, vLLM or web framework): wire types and
  validation, the per-request refinement loop and tool_choice rules, response bodies;
- engine.py: the vLLM async engine as a Serve deployment;
- app.py: the FastAPI ingress and `build_app(cfg)` / `app_builder(args)`;
- deploy.py: start Serve on loopback, deploy, wait until healthy (jobs/serve.py, benchmarks);
- metrics.py: Prometheus metrics via ray.util.metrics.

Nothing heavy is imported here, so the pure modules stay importable on their own.
"""
