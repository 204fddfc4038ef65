# ray_toolace: two commands do everything on a fresh machine.
#   make demo    install into .venv if needed, then run the main job on the embedded default
#   make test    install into .venv if needed, then run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
export RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER ?= 0
export VLLM_CPU_KVCACHE_SPACE ?= 2
export VLLM_CPU_NUM_OF_RESERVED_CPU ?= 0
export RAY_USAGE_STATS_ENABLED ?= 0

.PHONY: install demo test test-slow bench clean

$(VENV)/.installed: pyproject.toml cluster/install.sh
	bash cluster/install.sh $(VENV)

install: $(VENV)/.installed

demo: install
	$(PY) jobs/demo.py --config configs/demo.yaml

test: install
	$(PY) -m pytest -q

test-slow: install
	$(PY) -m pytest -q -m slow

bench: install
	$(PY) benchmarks/bench_check.py

clean:
	rm -rf $(VENV) .pytest_cache

# A local Ray cluster on loopback (token auth, ports of its own; ray_toolace/local_cluster.py):
#   make cluster-up       start it; prints the exports a shell needs: eval "$$(.venv/bin/ray-toolace cluster env)"
#   make cluster-down     stop it (only it)
.PHONY: cluster-up cluster-down

# a cluster runs what is installed: install where nothing is, never reinstall under a running one
$(VENV)/bin/ray-toolace:
	bash cluster/install.sh $(VENV)

cluster-up: $(VENV)/bin/ray-toolace
	$(VENV)/bin/ray-toolace cluster up

cluster-down: $(VENV)/bin/ray-toolace
	$(VENV)/bin/ray-toolace cluster down

# A Ray cluster from cluster/*.yaml and jobs submitted to it (see the header of each YAML):
#   make up CLUSTER=cluster/aws.yaml         ray up (syncs the project, installs it on every node)
#   make dashboard                           keep open: the head's dashboard on 127.0.0.1:8265 over ssh
#   make submit-probe ARGS="run_dir=s3://BUCKET/runs/r1"   (also submit-eval, -train, -iterate, -serve)
#   make status RUN=s3://BUCKET/runs/r1
#   make down
CLUSTER ?= cluster/aws.yaml
ADDRESS ?= http://127.0.0.1:8265
ARGS ?=
RUN ?= runs
SUBMIT := $(VENV)/bin/ray-toolace submit

.PHONY: up dashboard down status submit-probe submit-eval submit-train submit-iterate submit-serve

up: install
	$(VENV)/bin/ray up -y $(CLUSTER)

dashboard: install
	$(VENV)/bin/ray dashboard $(CLUSTER)

down: install
	$(VENV)/bin/ray down $(CLUSTER)

status: install
	$(VENV)/bin/ray-toolace status $(RUN)

submit-probe: install
	$(SUBMIT) probe --address $(ADDRESS) --config configs/probe.yaml $(ARGS)

submit-eval: install
	$(SUBMIT) eval --address $(ADDRESS) --config configs/eval.yaml $(ARGS)

submit-train: install
	$(SUBMIT) train --address $(ADDRESS) --config configs/train.yaml $(ARGS)

submit-iterate: install
	$(SUBMIT) iterate --address $(ADDRESS) --config configs/iterate.yaml $(ARGS)

submit-serve: install
	$(SUBMIT) serve --address $(ADDRESS) --config configs/serve.yaml $(ARGS)
