"""MLflow tracking of the iterate loop: one MLflow run per run directory, a nested run per round.

    tracking: {mlflow: true}                               # a SQLite store under <run_dir>/mlflow/
    tracking: {mlflow: true, uri: http://127.0.0.1:5000}   # a tracking server

    tracker = open_tracker(cfg, run_dir)   # a no-op unless tracking.mlflow
    manifest.on_save = tracker.sync        # every run.json write: figures of what newly finished
    tracker.report(t); tracker.finish(data)

What is recorded (the names and values come from core/tracked.py):
- parameters: the resolved config, flattened (`sampling.k`), secret fields left out;
- per round, on the round's nested run and on the parent with step = round: the probe's
  pass-rate summary and histogram, the selection's bucket counts, the corpus's record counts,
  the round's training summary; from the training workers, rank 0 only, loss, gradient norm and
  tokens/s at every step (`step_logger`, as Ray Train's MLflow guide does it);
- every evaluation (model k: the base model for k = 0, round k-1's model after): accuracy, n
  and standard error per source and category and pooled, first answer and after refinement,
  on the parent with step = k and on the round's run;
- artifacts: the run report (report.md, report.json, the PNG plots) under `report/`, and each
  round's selection records (selection.json) under `selection/`.

Resume: `<run_dir>/tracking.json` keeps the MLflow run ids (per tracking URI) and which stages
were logged, so a resumed run continues the same MLflow run (status back to RUNNING) and logs
each finished stage once. A run that ends by an exception is marked FAILED at exit; a killed
driver leaves it RUNNING until the run is resumed. MLflow is imported only when tracking is on
(`pip install 'ray_toolace[tracking]'`).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import tempfile
import time
from typing import Any

from ray_toolace import storage
from ray_toolace.config import Config
from ray_toolace.core.tracked import eval_figures, params, stage_figures, step_figures

log = logging.getLogger("ray_toolace.tracking")

STATE_FILE = "tracking.json"
PARENT_TAG = "mlflow.parentRunId"  # MLflow's own tag for a nested run
RUN_DIR_TAG = "ray_toolace.run_dir"
REPORT_FILES = ("report.md", "report.json")
STAGES = ("probe", "select", "corpus", "train")
BATCH = 100  # MLflow takes at most 100 parameters per log_batch call


class TrackingError(RuntimeError):
    """Tracking asked for but impossible (MLflow missing); the message says what to install."""


def _mlflow():
    try:
        import mlflow  # noqa: F401
        from mlflow import MlflowClient
        from mlflow.entities import Metric, Param, RunTag
    except ImportError:
        raise TrackingError("tracking.mlflow: true needs MLflow: pip install 'ray_toolace[tracking]'") from None
    return MlflowClient, Metric, Param, RunTag


def default_store(run_dir: str) -> tuple[str, str]:
    """(tracking URI, artifact location) of the default store: SQLite under <run_dir>/mlflow/."""
    folder = os.path.join(storage.local_path(run_dir), "mlflow")
    os.makedirs(folder, exist_ok=True)
    return f"sqlite:///{os.path.join(folder, 'mlflow.db')}", os.path.join(folder, "artifacts")


class NoTracking:
    """Tracking off: every hook does nothing."""

    def sync(self, data: dict[str, Any]) -> None:
        pass

    def report(self, t: int | None = None) -> None:
        pass

    def train_spec(self, t: int) -> dict[str, str] | None:
        return None

    def finish(self, data: dict[str, Any]) -> None:
        pass


class Tracker(NoTracking):
    """The MLflow side of one run directory (driver only; see `step_logger` for the workers)."""

    def __init__(self, cfg: Config, run_dir: str):
        t0 = time.perf_counter()
        MlflowClient, self._Metric, self._Param, self._RunTag = _mlflow()
        self.run_dir = run_dir
        artifact_location = None
        self.uri = cfg.tracking.uri
        if self.uri is None:
            self.uri, artifact_location = default_store(run_dir)
        self.client = MlflowClient(tracking_uri=self.uri)
        self.state_uri = storage.join(run_dir, STATE_FILE)
        every = storage.read_json(self.state_uri) if storage.exists(self.state_uri) else {}
        self.all_state = every
        self.state = every.setdefault(self.uri, {})
        self.logged: set[str] = set(self.state.get("logged", []))
        self.state.setdefault("rounds", {})
        self._finished = False
        exp = self.client.get_experiment_by_name(cfg.tracking.experiment)
        self.experiment_id = exp.experiment_id if exp else self.client.create_experiment(
            cfg.tracking.experiment, artifact_location=artifact_location)
        self.run_id = self._resume(self.state.get("run_id"))
        if self.run_id is None:
            name = cfg.tracking.run_name or os.path.basename(run_dir.rstrip("/")) or "run"
            run = self.client.create_run(self.experiment_id, run_name=name, tags={RUN_DIR_TAG: run_dir})
            self.run_id = self.state["run_id"] = run.info.run_id
            self.state["rounds"], self.logged = {}, set()
            items = sorted(params(cfg.model_dump(mode="json")).items())
            for i in range(0, len(items), BATCH):
                self.client.log_batch(self.run_id, params=[self._Param(k, v) for k, v in items[i:i + BATCH]])
            log.info("MLflow: run %s in experiment %r at %s", self.run_id, cfg.tracking.experiment, self.uri)
        else:
            self.state["resumed"] = self.state.get("resumed", 0) + 1
            self.client.set_tag(self.run_id, "ray_toolace.resumed", str(self.state["resumed"]))
            log.info("MLflow: resuming run %s at %s", self.run_id, self.uri)
        # the driver's own seconds in tracking (this process, every attempt of the run), kept in
        # tracking.json and logged as tracking/driver_seconds when the run ends
        self.seconds = float(self.state.get("seconds", 0.0)) + time.perf_counter() - t0
        self._save()
        atexit.register(self._at_exit)

    # -- runs --------------------------------------------------------------------------------

    def _resume(self, run_id: str | None) -> str | None:
        """The recorded run id if that run still exists (set RUNNING again), else None."""
        if not run_id:
            return None
        try:
            self.client.get_run(run_id)
        except Exception:  # deleted or another store: start a new run
            log.warning("MLflow: recorded run %s not found at %s; starting a new one", run_id, self.uri)
            return None
        self.client.update_run(run_id, status="RUNNING")
        for child in self.state.get("rounds", {}).values():
            self.client.update_run(child, status="RUNNING")
        return run_id

    def round_run(self, t: int) -> str:
        """The nested run of round t, created on first use."""
        key = str(t)
        if key not in self.state["rounds"]:
            run = self.client.create_run(self.experiment_id, run_name=f"round-{t}",
                                         tags={PARENT_TAG: self.run_id, RUN_DIR_TAG: self.run_dir, "ray_toolace.round": key})
            self.state["rounds"][key] = run.info.run_id
            self._save()
        return self.state["rounds"][key]

    @contextlib.contextmanager
    def _clock(self):
        """Adds the block's seconds to the driver's seconds in tracking."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - t0

    def _save(self) -> None:
        self.state["logged"] = sorted(self.logged)
        self.state["seconds"] = round(self.seconds, 4)
        storage.write_json(self.state_uri, self.all_state)

    def _metrics(self, run_id: str, figures: dict[str, float], step: int = 0) -> None:
        now = int(time.time() * 1000)
        items = list(figures.items())
        for i in range(0, len(items), 1000):  # MLflow's limit per batch
            self.client.log_batch(run_id, metrics=[self._Metric(k, v, now, step) for k, v in items[i:i + 1000]])

    def _artifact(self, run_id: str, uri: str, folder: str) -> None:
        if not storage.exists(uri):
            return
        if storage.is_s3(uri):  # MLflow uploads local files: copy the object down first
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, uri.rsplit("/", 1)[-1])
                with open(path, "wb") as f:
                    f.write(storage.read_bytes(uri))
                self.client.log_artifact(run_id, path, folder)
        else:
            self.client.log_artifact(run_id, storage.local_path(uri), folder)

    # -- hooks -------------------------------------------------------------------------------

    def sync(self, data: dict[str, Any]) -> None:
        """Log every stage and evaluation run.json records done that was not logged yet. A store
        that fails does not fail the run: what was not logged is tried again at the next save."""
        with self._clock():
            try:
                self._sync(data)
            except Exception as e:
                log.warning("MLflow: logging failed, the run goes on and retries at its next save: %s", e)

    def _sync(self, data: dict[str, Any]) -> None:
        for rnd in data.get("rounds", []):
            t = int(rnd["round"])
            for stage in STAGES:
                entry = (rnd.get("stages") or {}).get(stage) or {}
                key = f"round-{t}/{stage}/{entry.get('digest', '')}"
                if entry.get("status") != "done" or key in self.logged:
                    continue
                result = entry.get("result") or {}
                figures = {**stage_figures(stage, result), f"seconds/{stage}": float(entry.get("seconds") or 0.0)}
                run_id = self.round_run(t)
                self._metrics(run_id, figures)
                self._metrics(self.run_id, figures, step=t)
                if stage == "select" and result.get("uri"):
                    self._artifact(run_id, result["uri"], "selection")
                if stage == "train":
                    self._backfill_loss(run_id, result)
                self.logged.add(key)
                self._save()
        for k, ev in sorted((data.get("evals") or {}).items(), key=lambda kv: int(kv[0])):
            self._log_eval(data, int(k), ev)

    def _log_eval(self, data: dict[str, Any], k: int, ev: dict[str, Any]) -> None:
        from ray_toolace.stages.run_report import item_figures

        rounds = data.get("rounds") or []
        where = data.get("base") if k == 0 else (rounds[k - 1] if len(rounds) >= k else None)  # who ran it
        digest = (((where or {}).get("stages") or {}).get("eval") or {}).get("digest", "")
        key = f"eval-{k}/{digest}"
        table = storage.join(self.run_dir, f"eval-{k}", "table.parquet")
        if key in self.logged or not ev.get("metrics") or not storage.exists(table):
            return
        figures = eval_figures(item_figures(storage.read_parquet(table).to_pylist()))
        self._metrics(self.run_id, figures, step=k)
        if k > 0:
            self._metrics(self.round_run(k - 1), figures)
        self.logged.add(key)
        self._save()

    def _backfill_loss(self, run_id: str, result: dict[str, Any]) -> None:
        """A round trained without live step logging (tracking turned on later, or the workers
        could not reach the store): its loss per step from round.json's history."""
        if self.client.get_metric_history(run_id, "train/loss"):
            return
        now = int(time.time() * 1000)
        losses = result.get("loss") or []
        for i in range(0, len(losses), 1000):
            self.client.log_batch(run_id, metrics=[self._Metric("train/loss", float(v), now, i + j + 1)
                                                   for j, v in enumerate(losses[i:i + 1000])])

    def report(self, t: int | None = None) -> None:
        """The run report as it stands, into the parent run and (after round t) round t's run."""
        with self._clock():
            try:
                self._report(t)
            except Exception as e:
                log.warning("MLflow: the report's upload failed, the run goes on: %s", e)

    def _report(self, t: int | None) -> None:
        runs = [self.run_id] + ([self.round_run(t)] if t is not None else [])
        names = [*REPORT_FILES, *(uri.rsplit("/", 1)[-1] for uri in storage.list_files(self.run_dir, ".png"))]
        for run_id in runs:
            for name in names:
                self._artifact(run_id, storage.join(self.run_dir, name), "report")

    def train_spec(self, t: int) -> dict[str, str]:
        """What round t's training workers need to log their steps (`step_logger`)."""
        with self._clock():
            return {"uri": self.uri, "run_id": self.round_run(t)}

    def finish(self, data: dict[str, Any]) -> None:
        self.sync(data)
        self.report()
        with self._clock():
            try:
                self._close(data)
            except Exception as e:
                log.warning("MLflow: could not mark the run ended: %s", e)
        self._save()

    def _close(self, data: dict[str, Any]) -> None:
        status = "FINISHED" if data.get("status") == "done" else "FAILED"
        self.client.log_metric(self.run_id, "tracking/driver_seconds", round(self.seconds, 4))
        if data.get("stop_reason"):
            self.client.set_tag(self.run_id, "ray_toolace.stop_reason", str(data["stop_reason"]))
        self._terminate(status)

    def _terminate(self, status: str) -> None:
        for child in self.state["rounds"].values():
            self.client.set_terminated(child, status)
        self.client.set_terminated(self.run_id, status)
        self._finished = True

    def _at_exit(self) -> None:
        if not self._finished:
            try:
                self._terminate("FAILED")
            except Exception:  # the store may be gone at exit; the run then stays RUNNING
                pass


def open_tracker(cfg: Config, run_dir: str) -> NoTracking:
    """A Tracker when `tracking.mlflow` is on, else hooks that do nothing. A store that cannot be
    opened stops the run before any work, naming it."""
    if not cfg.tracking.mlflow:
        return NoTracking()
    try:
        return Tracker(cfg, run_dir)
    except TrackingError:
        raise
    except Exception as e:
        raise TrackingError(f"tracking.uri {cfg.tracking.uri or '(default store)'}: MLflow cannot be used: {e}") from e


class StepLogger:
    """Rank 0's per-step logging into the round's MLflow run; a store that fails is reported once
    and then left alone, never failing the training."""

    def __init__(self, spec: dict[str, str]):
        MlflowClient, self._Metric, _, _ = _mlflow()
        self.client, self.run_id = MlflowClient(tracking_uri=spec["uri"]), spec["run_id"]
        self.broken = False
        self.seconds = 0.0  # rank 0's own seconds in step logging, logged with each step

    def __call__(self, step: int, out: dict[str, float]) -> None:
        if self.broken:
            return None
        t0 = time.perf_counter()
        now = int(time.time() * 1000)
        figures = {**step_figures(out), "tracking/step_seconds": round(self.seconds, 4)}
        try:
            self.client.log_batch(self.run_id, metrics=[self._Metric(k, v, now, step) for k, v in figures.items()])
        except Exception as e:
            self.broken = True
            print(f"[train] MLflow step logging stopped: {e}", flush=True)
        self.seconds += time.perf_counter() - t0
        return None  # the training core stops on a true answer


def step_logger(spec: dict[str, str] | None) -> StepLogger | None:
    return StepLogger(spec) if spec else None
