"""Write what a stage found where people can see it: summary JSON, Markdown, PNG plots.

Accuracies in the Markdown carry their sample count and ± one standard error, computed item by
item from the stage's table (the same figures as the run report, stages/run_report.py); without
the table only the summary's bare accuracies can be shown, and the Markdown says so. With the
table, the `bfcl` source also gets BFCL v4's groups and overall (core/bfcl_score.py).
"""

from __future__ import annotations

import io
from typing import Any

from ray_toolace import storage
from ray_toolace.core.probe_table import HIST_BINS, HISTORY_GROUP


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


def _pct(a: dict[str, Any] | None) -> str:
    return f"{100 * a['p']:.1f}% ± {100 * a['se']:.1f}" if a and a.get("n", 1) else "-"


def _source_table(fig: dict[str, Any]) -> list[str]:
    """Per category: n, first answer and after refinement (± se), the flips refinement made."""
    ref = fig["all"]["refined"] is not None
    lines = ["| category | n | first answer | " + ("after refinement | right->wrong | wrong->right |" if ref else ""),
             "|---|---|---|" + ("---|---|---|" if ref else "")]
    multi = [("multi-turn (tool results in the history)", fig[HISTORY_GROUP])] if HISTORY_GROUP in fig else []
    for cat, c in list(fig["categories"].items()) + multi + [("**all items**", fig["all"])]:
        if not c["n"]:
            continue
        row = f"| {cat} | {c['n']} | {_pct(c['first'])} |"
        if ref:
            flips = c["flips"] or {}
            row += f" {_pct(c['refined'])} | {flips.get('right_to_wrong', '-')} | {flips.get('wrong_to_right', '-')} |"
        lines.append(row)
    m = fig["mean_of_categories"]
    lines.append(f"| **mean of categories (unweighted)** | {fig['all']['n']} | {_pct(m['first'])} |" + (f" {_pct(m['refined'])} | | |" if ref else ""))
    return lines


def probe_markdown(summary: dict[str, Any], title: str, rows: list[dict[str, Any]] | None = None) -> str:
    """The stage's Markdown; with its table's `rows`, accuracies carry n and standard errors."""
    from ray_toolace.stages.run_report import BFCL_SOURCE, V4_NOTE, bfcl_v4_figures, item_figures, v4_markdown

    figs = item_figures(rows) if rows is not None else None
    lines = [f"# {title}", ""]
    lines.append(
        f"{summary['samples']} samples, {summary['answered']} answered, {summary['prompt_too_long']} prompt too long, "
        f"{summary['rejects']} rejected rows."
    )
    lines += ["", f"Mean pass rate {summary['mean_pass_rate']:.3f}; pass@k {summary['pass_at_k']:.3f}.", ""]
    if figs is not None:
        lines += ["Accuracy is percent ± one standard error (sqrt(p(1-p)/n), in points) of the first answer, and after "
                  "adaptive self-refinement where it ran; n counts the samples answered. The mean of categories is "
                  "their unweighted mean, not BFCL's official overall (for BFCL's samples, BFCL v4's is shown too).", ""]
    else:
        lines += ["(No table to compute standard errors from: bare accuracies.)", ""]
    for source, part in summary.get("by_source", {}).items():
        ref = part.get("refinement")
        if figs is not None and source in figs:
            lines += [f"## {source} ({part['samples']} samples, mean pass rate {part['mean_pass_rate']:.3f})", ""]
            lines += _source_table(figs[source]) + [""]
            v4 = bfcl_v4_figures(rows) if source == BFCL_SOURCE else None
            if v4 is not None:
                lines += ["BFCL v4: " + V4_NOTE, ""] + v4_markdown([(None, v4)]) + [""]
            if ref:
                steps = ", ".join(f"step {s['step']}: {100 * s['overall']:.2f}%" for s in ref["per_step"])
                lines += [f"Adaptive self-refinement, mean of categories after each step: {steps}; mean model calls "
                          f"{ref['mean_model_calls']:.2f}; stop reasons " + ", ".join(f"{k} {v}" for k, v in ref["stop_reasons"].items()) + ".", ""]
            continue
        head = "| category | first-answer accuracy |" + (" after refinement |" if ref else "")
        lines += [f"## {source} ({part['samples']} samples, mean pass rate {part['mean_pass_rate']:.3f})", "", head,
                  "|---|---|" + ("---|" if ref else "")]
        last = ref["per_step"][-1]["by_category"] if ref else {}
        for cat, acc in part["accuracy_by_category"].items():
            lines.append(f"| {cat} | {100 * acc:.2f}% |" + (f" {100 * last.get(cat, 0):.2f}% |" if ref else ""))
        final = f" {100 * ref['per_step'][-1]['overall']:.2f}% |" if ref else ""
        lines += [f"| **mean of categories (unweighted)** | {100 * part['overall']:.2f}% |" + final, ""]
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


def write_probe_report(out: str, summary: dict[str, Any], title: str, rows: list[dict[str, Any]] | None = None) -> None:
    """summary.json, summary.md and the histogram; the rows default to the stage's table.parquet
    when it is written (the probe writes it first), for standard errors in the Markdown."""
    table = storage.join(out, "table.parquet")
    if rows is None and storage.exists(table):
        rows = storage.read_parquet(table).to_pylist()
    storage.write_json(storage.join(out, "summary.json"), summary)
    storage.write_text(storage.join(out, "summary.md"), probe_markdown(summary, title, rows))
    storage.write_bytes(storage.join(out, "pass_rate_hist.png"), histogram_png(summary["histogram"] or [0] * HIST_BINS, title))
