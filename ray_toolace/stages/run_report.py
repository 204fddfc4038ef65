"""The run report of the iterative loop: Markdown, PNG plots and the same numbers as JSON.

Rewritten after every round from run.json alone, so it always shows what has finished:
pass-rate histograms per round, bucket sizes per round, training loss, and evaluation accuracy
per category per round, first answer and after adaptive self-refinement.
"""

from __future__ import annotations

import io
from typing import Any

from ray_toolace import storage


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100)
    _plt().close(fig)
    return buf.getvalue()


def _stage(rnd: dict[str, Any], name: str) -> dict[str, Any] | None:
    s = rnd["stages"].get(name)
    return s["result"] if s and s.get("status") == "done" else None


def collect(data: dict[str, Any]) -> dict[str, Any]:
    """The report's numbers, from run.json."""
    rounds = []
    for rnd in data["rounds"]:
        probe, sel, corpus, train = (_stage(rnd, n) for n in ("probe", "select", "corpus", "train"))
        rounds.append(
            {
                "round": rnd["round"],
                "model": rnd.get("model"),
                "histogram": probe["summary"]["histogram"] if probe else None,
                "mean_pass_rate": probe["summary"]["mean_pass_rate"] if probe else None,
                "buckets": sel["counts"] if sel else None,
                "moved": sel["moved"] if sel else None,
                "corpus": corpus["counts"] if corpus else None,
                "loss": train["loss"] if train else None,
                "train_tokens_per_s": train.get("real_tokens_per_s") if train else None,
                "seconds": {k: v.get("seconds") for k, v in rnd["stages"].items() if v.get("status") == "done"},
            }
        )
    evals = {k: v["metrics"] for k, v in sorted(data.get("evals", {}).items(), key=lambda kv: int(kv[0]))}
    base_eval_s = data.get("evals", {}).get("0", {}).get("seconds")
    return {"rounds": rounds, "evals": evals, "base_eval_seconds": base_eval_s, "status": data.get("status"), "stop_reason": data.get("stop_reason")}


def _plots(rep: dict[str, Any]) -> dict[str, bytes]:
    plt = _plt()
    out = {}
    rounds = [r for r in rep["rounds"] if r["histogram"]]
    if rounds:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        bins = len(rounds[0]["histogram"])
        width = 1 / bins / (len(rounds) + 1)
        for i, r in enumerate(rounds):
            ax.bar([b / bins + i * width for b in range(bins)], r["histogram"], width=width, align="edge", label=f"round {r['round']}")
        ax.set(xlabel="pass rate (c/k)", ylabel="samples", title="Pass-rate histogram per round", xlim=(0, 1))
        ax.legend()
        out["pass_rate_hist.png"] = _png(fig)
    buckets = [r for r in rep["rounds"] if r["buckets"]]
    if buckets:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        names = list(buckets[0]["buckets"])
        bottom = [0] * len(buckets)
        for name in names:
            vals = [r["buckets"].get(name, 0) for r in buckets]
            ax.bar([str(r["round"]) for r in buckets], vals, bottom=bottom, label=name)
            bottom = [a + b for a, b in zip(bottom, vals)]
        ax.set(xlabel="round", ylabel="samples", title="Selection buckets per round")
        ax.legend()
        out["buckets.png"] = _png(fig)
    losses = [r for r in rep["rounds"] if r["loss"]]
    if losses:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        step = 0
        for r in losses:
            xs = list(range(step, step + len(r["loss"])))
            ax.plot(xs, r["loss"], label=f"round {r['round']}")
            step += len(r["loss"])
        ax.set(xlabel="step (all rounds)", ylabel="loss", title="Training loss")
        ax.legend()
        out["train_loss.png"] = _png(fig)
    if rep["evals"]:
        sources = sorted({s for m in rep["evals"].values() for s in m})
        fig, axes = plt.subplots(1, len(sources), figsize=(6 * len(sources), 3.8), squeeze=False)
        for ax, source in zip(axes[0], sources):
            for key, metrics in rep["evals"].items():
                m = metrics.get(source)
                if not m:
                    continue
                cats = list(m["accuracy"])
                line = ax.plot(cats, [100 * m["accuracy"][c] for c in cats], marker="o", label=f"model {key}")[0]
                if m.get("refined_accuracy"):
                    ax.plot(cats, [100 * m["refined_accuracy"].get(c, 0) for c in cats], marker="x", linestyle="--",
                            color=line.get_color(), label=f"model {key} + refinement")
            ax.set(title=f"Evaluation accuracy: {source}", ylabel="accuracy (%)", ylim=(0, 100))
            ax.tick_params(axis="x", rotation=30)
            ax.legend(fontsize=7)
        out["eval_accuracy.png"] = _png(fig)
    return out


CORPUS_PARTS = ("ordinary", "refine_wrong", "refine_right")


def _kv(d: dict[str, Any] | None) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items()) if d else "-"


def markdown(rep: dict[str, Any]) -> str:
    lines = ["# ToolACE-R run report", "", f"Status: {rep['status']}" + (f" ({rep['stop_reason']})" if rep.get("stop_reason") else ""), ""]
    if rep["evals"]:
        lines += ["## Evaluation (model 0 is the base model; model t+1 is trained in round t)", ""]
        sources = sorted({s for m in rep["evals"].values() for s in m})
        for source in sources:
            lines += [f"### {source}", "", "| model | overall | after refinement | mean model calls |", "|---|---|---|---|"]
            for key, metrics in rep["evals"].items():
                m = metrics.get(source)
                if m:
                    refined = f"{100 * m['refined_overall']:.2f}%" if m.get("refined_overall") is not None else "-"
                    lines.append(f"| {key} | {100 * m['overall']:.2f}% | {refined} | {m['mean_model_calls']:.2f} |")
            lines.append("")
            cats = sorted({c for m in rep["evals"].values() if m.get(source) for c in m[source]["accuracy"]})
            lines += ["| model | " + " | ".join(cats) + " |", "|---|" + "---|" * len(cats)]
            for key, metrics in rep["evals"].items():
                m = metrics.get(source)
                if m:
                    lines.append(f"| {key} | " + " | ".join(f"{100 * m['accuracy'].get(c, 0):.1f}%" for c in cats) + " |")
            lines.append("")
    lines += ["## Rounds", "", "| round | mean pass rate | buckets | moved | corpus | loss first -> last | train tok/s | stage seconds |",
              "|---|---|---|---|---|---|---|---|"]
    for r in rep["rounds"]:
        loss = f"{r['loss'][0]:.3f} -> {r['loss'][-1]:.3f}" if r["loss"] else "-"
        tps = f"{r['train_tokens_per_s']:.0f}" if r["train_tokens_per_s"] else "-"
        secs = ", ".join(f"{k} {v:.0f}" for k, v in r["seconds"].items() if v is not None)
        mpr = f"{r['mean_pass_rate']:.3f}" if r["mean_pass_rate"] is not None else "-"
        corpus = {k: v for k, v in (r["corpus"] or {}).items() if k in CORPUS_PARTS}
        lines.append(f"| {r['round']} | {mpr} | {_kv(r['buckets'])} | {_kv(r['moved'])} | {_kv(corpus)} | {loss} | {tps} | {secs} |")
    if rep.get("base_eval_seconds") is not None:
        lines += ["", f"The base model's evaluation took {rep['base_eval_seconds']:.0f} s."]
    lines += ["", "![pass-rate histograms](pass_rate_hist.png)", "![buckets](buckets.png)", "![training loss](train_loss.png)",
              "![evaluation accuracy](eval_accuracy.png)", ""]
    return "\n".join(lines)


def write_run_report(run_dir: str, data: dict[str, Any]) -> dict[str, Any]:
    rep = collect(data)
    for name, png in _plots(rep).items():
        storage.write_bytes(storage.join(run_dir, name), png)
    storage.write_json(storage.join(run_dir, "report.json"), rep)
    storage.write_text(storage.join(run_dir, "report.md"), markdown(rep))
    return rep
