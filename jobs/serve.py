"""Deploy the tool-calling endpoint (OpenAI-compatible, adaptive self-refinement) and exit.

    ray job submit --working-dir . -- python jobs/serve.py --config configs/serve.yaml [model.lora_adapter=DIR ...]
    ray job submit --working-dir . -- python jobs/serve.py --config configs/serve.yaml serve.rounds_from=s3://bucket/runs/x
    RAY_ADDRESS=127.0.0.1:6379 python jobs/serve.py --config configs/serve.yaml

The job deploys the Serve application, waits until GET /ready answers, prints the URL and
exits: the application belongs to Serve's controller, not to this job, and keeps serving.
Remove it with `serve shutdown -y` (every application and Serve itself), or from Python
with `ray.serve.delete("ray-toolace")`.
A running cluster is required: the job never starts a throwaway local one.
Bearer auth: start the cluster with RAY_TOOLACE_API_KEY in its environment (the job inherits
it). `--runtime-env-json '{"env_vars": ...}'` also works, but Ray's runtime-env agent writes
runtime envs, key included, to its log.
"""

import os
import sys

from _args import parse

from ray_toolace.logs import console_error
from ray_toolace.serve.app import APP_NAME, model_ids
from ray_toolace.serve.deploy import deploy

if __name__ == "__main__":
    # only this job's own logs go under run_dir (nothing resumes from it), so a relative one is fine
    cfg = parse(__doc__.splitlines()[0], ray_address=os.environ.get("RAY_ADDRESS", "auto"), keeps_outputs=False)
    try:
        url = deploy(cfg)
    except TimeoutError as e:
        console_error(f"deploy failed: {e}")
        sys.exit(1)
    base, adapter = model_ids(cfg)
    served = f"{base} and every finished round of {cfg.serve.rounds_from}" if cfg.serve.rounds_from else adapter or base
    print(f"application {APP_NAME!r} serving {served} at {url}/v1 (stop: serve shutdown -y)")
