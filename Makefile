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
