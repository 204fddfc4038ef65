"""Deploy the Serve application from Python and wait until it answers: used by jobs/serve.py and
the benchmark.

    import ray; ray.init(address="auto")
    url = deploy(cfg)            # http://127.0.0.1:8000 once /ready says ready
    undeploy()                   # deletes the application (Serve itself keeps running)

Serve's HTTP proxy is started on `serve.host`/`serve.port` (127.0.0.1 by default, so nothing is
reachable from other machines unless the config says so). If Serve already runs on the cluster,
its existing HTTP options stay: Serve cannot move a running proxy.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request

from ray import serve

from ray_toolace.config import Config
from ray_toolace.serve.app import APP_NAME, build_app

log = logging.getLogger("ray_toolace.serve")


def wait_healthy(url: str, timeout_s: float) -> None:
    """Poll GET /ready until it answers {"status": "ready"} (the engine answers); raises TimeoutError."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/ready", timeout=15) as r:
                if json.loads(r.read()).get("status") == "ready":
                    return
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code}"
        except (urllib.error.URLError, OSError, ValueError) as e:
            last = type(e).__name__
        time.sleep(1.0)
    raise TimeoutError(f"{url}/ready did not answer ready within {timeout_s:.0f} s (last: {last})")


def deploy(cfg: Config, name: str = APP_NAME, timeout_s: float = 900) -> str:
    """Start Serve (if needed), deploy the app, wait for /ready; returns the base URL."""
    serve.start(http_options={"host": cfg.serve.host, "port": cfg.serve.port})
    start = time.perf_counter()
    serve.run(build_app(cfg), name=name, route_prefix="/", blocking=False)
    url = f"http://{cfg.serve.host}:{cfg.serve.port}"
    wait_healthy(url, timeout_s)
    log.info("application %r answering at %s after %.1f s", name, url, time.perf_counter() - start)
    return url


def undeploy(name: str = APP_NAME) -> None:
    serve.delete(name)
