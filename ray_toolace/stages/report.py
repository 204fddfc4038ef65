"""Write what a stage found where people can see it: summary JSON, Markdown, PNG plots."""

from __future__ import annotations

import io
from typing import Any

from ray_toolace import storage
from ray_toolace.core.probe_table import HIST_BINS


def histogram_png(counts: list[int], title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    edges = [i / len(counts) for i in range(len(counts))]
    ax.bar(edges, counts, width=1 / len(counts), align="edge", edgecolor="black", color="#4C72B0")
    ax.set_xlabel("pass rate (c/k)")
    ax.set_ylabel("samples")
    ax.set_xlim(0, 1)
    ax.set_title(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def probe_markdown(summary: dict[str, Any], title: str) -> str:
    lines = [f"# {title}", ""]
    lines.append(
        f"{summary['samples']} samples, {summary['answered']} answered, {summary['prompt_too_long']} prompt too long, "
        f"{summary['rejects']} rejected rows."
    )
    lines += ["", f"Mean pass rate {summary['mean_pass_rate']:.3f}; pass@k {summary['pass_at_k']:.3f}.", ""]
    for source, part in summary.get("by_source", {}).items():
        ref = part.get("refinement")
        head = "| category | first-answer accuracy |" + (" after refinement |" if ref else "")
        lines += [f"## {source} ({part['samples']} samples, mean pass rate {part['mean_pass_rate']:.3f})", "", head,
                  "|---|---|" + ("---|" if ref else "")]
        last = ref["per_step"][-1]["by_category"] if ref else {}
        for cat, acc in part["accuracy_by_category"].items():
            lines.append(f"| {cat} | {100 * acc:.2f}% |" + (f" {100 * last.get(cat, 0):.2f}% |" if ref else ""))
        final = f" {100 * ref['per_step'][-1]['overall']:.2f}% |" if ref else ""
        lines += [f"| **overall (mean)** | {100 * part['overall']:.2f}% |" + final, ""]
        if ref:
            steps = ", ".join(f"step {s['step']}: {100 * s['overall']:.2f}%" for s in ref["per_step"])
            lines += [f"Adaptive self-refinement: {steps}; mean model calls {ref['mean_model_calls']:.2f}; stop reasons "
                      + ", ".join(f"{k} {v}" for k, v in ref["stop_reasons"].items()) + ".", ""]
    if summary["errors"]:
        lines += ["", "## Errors", "", "| error type | answers |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in summary["errors"].items()]
    t = summary.get("throughput")
    if t:
        lines += ["", "## Throughput", "", f"{t['generated_tokens_per_second']:.1f} generated tokens/s while generating; "
                  f"engine start {t['engine_start_seconds']:.1f} s; this run probed {t['shards_probed_this_run']} shard(s) "
                  f"in {t['probe_seconds_this_run']:.1f} s."]
    lines += ["", "![pass-rate histogram](pass_rate_hist.png)", ""]
    return "\n".join(lines)


def write_probe_report(out: str, summary: dict[str, Any], title: str) -> None:
    storage.write_json(storage.join(out, "summary.json"), summary)
    storage.write_text(storage.join(out, "summary.md"), probe_markdown(summary, title))
    storage.write_bytes(storage.join(out, "pass_rate_hist.png"), histogram_png(summary["histogram"] or [0] * HIST_BINS, title))
