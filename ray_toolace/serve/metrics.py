"""Prometheus metrics of the Serve endpoint, through `ray.util.metrics`.

Ray exports them from every node's metrics agent with its `ray_` prefix (so the names below,
created as `toolace_serve_*`, are scraped as `ray_toolace_serve_*`), next to Serve's own
request metrics, so one Prometheus scrape config covers the cluster. Created once per ingress
replica; every series is tagged by route so /v1/chat/completions and /v1/refine stay apart.

    ray_toolace_serve_requests_total{route, status}       requests by HTTP status
    ray_toolace_serve_latency_seconds{route}              end-to-end latency histogram
    ray_toolace_serve_model_calls{route}                  model calls per answered request
    ray_toolace_serve_stop_reasons_total{route, reason}   why refinement stopped
    ray_toolace_serve_errors_total{route, code}           refused or failed requests by error code
"""

from __future__ import annotations

from ray.util.metrics import Counter, Histogram

# CPU answers take seconds, GPU ones tens of milliseconds: buckets cover both
LATENCY_BOUNDARIES = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160]
CALL_BOUNDARIES = [1, 2, 3, 4, 5, 6, 8, 10]


class ServeMetrics:
    def __init__(self) -> None:
        self.requests = Counter(
            "toolace_serve_requests", "Requests by route and HTTP status.", tag_keys=("route", "status")
        )
        self.latency = Histogram(
            "toolace_serve_latency_seconds", "End-to-end request latency.", LATENCY_BOUNDARIES, tag_keys=("route",)
        )
        self.model_calls = Histogram(
            "toolace_serve_model_calls", "Model calls (first answer + refinements) per request.",
            CALL_BOUNDARIES, tag_keys=("route",),
        )
        self.stop_reasons = Counter(
            "toolace_serve_stop_reasons", "Why refinement stopped.", tag_keys=("route", "reason")
        )
        self.errors = Counter("toolace_serve_errors", "Refused or failed requests by code.", tag_keys=("route", "code"))

    def request(self, route: str, status: int, seconds: float) -> None:
        self.requests.inc(tags={"route": route, "status": str(status)})
        self.latency.observe(seconds, tags={"route": route})

    def refinement(self, route: str, model_calls: int, stop_reason: str | None) -> None:
        self.model_calls.observe(model_calls, tags={"route": route})
        self.stop_reasons.inc(tags={"route": route, "reason": stop_reason or "none"})

    def error(self, route: str, code: str | None) -> None:
        self.errors.inc(tags={"route": route, "code": code or "unknown"})
