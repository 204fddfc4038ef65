"""The run report of the iterative loop: Markdown, PNG plots and the same numbers as JSON.

Rewritten after every round, so it always shows what has finished. From run.json: pass-rate
histograms, bucket sizes and training loss per round. From each evaluation's table
(`eval-<k>/table.parquet`, model 0 the base model, model k+1 the model trained in round k),
item by item: per source and category the sample count, first-answer accuracy and accuracy
after adaptive self-refinement, each ± one standard error, the flips refinement made, mean model
calls and tokens per sample; and paired comparisons on the same samples (by id) of each trained
model against the base and the previous model, and of refinement against the first answer,
with the difference, its 95% interval and a verdict in words (core/stats.py). For the `bfcl`
source, BFCL v4's groups and overall as bfcl-eval computes them (core/bfcl_score.py), each
± se with its n and the categories not run named (report.json's `bfcl_v4`). A table not
written yet (a run in progress) is named as missing; the rest of the report still shows.

Plots: pass_rate_hist.png, buckets.png, train_loss.png, and eval_accuracy_<source>.png (grouped
bars per category, one bar per model, error bars ± one standard error).
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any, Iterable

from ray_toolace import storage
from ray_toolace.core.bfcl_score import NOT_RUN, ROWS, bfcl_v4, not_run_text, part_dicts, weight_text
from ray_toolace.core.corpus import ORIGINS
from ray_toolace.core.probe_table import STATUS_OK, HISTORY_GROUP, answered_rows, first_valid, has_tool_results, refined_valid, sample_tokens
from ray_toolace.core.scoring import category_scores, overall, overall_se
from ray_toolace.core.stats import A_BETTER, B_BETTER, accuracy_of, pair_by_id, paired_difference


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


BFCL_SOURCE = "bfcl"  # the source name of samples read from BFCL's files (core/formats/bfcl.py)
# BFCL's non-live AST group; the held-out split uses the same category names
NON_LIVE = ("simple", "multiple", "parallel", "parallel_multiple")
HISTORY = HISTORY_GROUP  # multi-turn samples of any category: tool results in the history
GROUPS = {"all": None, "non_live": NON_LIVE, "irrelevance": ("irrelevance",), HISTORY: None}
GROUP_NAMES = {"all": "all items", "non_live": "non-live (simple, multiple, parallel, parallel_multiple)", "irrelevance": "irrelevance",
               HISTORY: "multi-turn samples of every category (earlier calls and their tool results in the history)"}


def model_label(key: str) -> str:
    return "base" if key == "0" else f"after round {int(key) - 1}"


def _eval_keys(data: dict[str, Any]) -> list[str]:
    """Models recorded in run.json, plus any whose evaluation has started (its table may not exist yet)."""
    keys = set(data.get("evals", {}))
    for rnd in data.get("rounds", []):
        if "eval" in rnd.get("stages", {}):
            keys.add(str(rnd["round"] + 1))
    return sorted(keys, key=int)


def read_eval_tables(run_dir: str, keys: Iterable[str]) -> dict[str, list[dict[str, Any]] | None]:
    """Each model's evaluation rows, or None where `eval-<k>/table.parquet` is not written yet."""
    out: dict[str, list[dict[str, Any]] | None] = {}
    for k in keys:
        uri = storage.join(run_dir, f"eval-{k}", "table.parquet")
        out[k] = storage.read_parquet(uri).to_pylist() if storage.exists(uri) else None
    return out


def cell(rows: list[dict[str, Any]], too_long: int = 0) -> dict[str, Any]:
    """The figures of one group of answered rows: accuracy first and after refinement (± se),
    the flips refinement made, mean model calls and tokens per sample."""
    n = len(rows)
    refined = [r for r in rows if refined_valid(r) is not None]
    out: dict[str, Any] = {
        "n": n,
        "prompt_too_long": too_long,
        "first": accuracy_of(first_valid(r) for r in rows).to_dict(),
        "refined": accuracy_of(refined_valid(r) for r in refined).to_dict() if refined else None,
        "flips": {
            "right_to_wrong": sum(1 for r in refined if first_valid(r) and not refined_valid(r)),
            "wrong_to_right": sum(1 for r in refined if not first_valid(r) and refined_valid(r)),
        } if refined else None,
        # a row without refinement made one model call, its first answer
        "mean_model_calls": sum(int(r.get("model_calls") or 1) for r in rows) / n if n else 0.0,
        # first answer plus refinement calls where the table records them
        "mean_prompt_tokens": sum(sample_tokens(r)[0] for r in rows) / n if n else 0.0,
        "mean_completion_tokens": sum(sample_tokens(r)[1] for r in rows) / n if n else 0.0,
    }
    return out


def item_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One model's evaluation table -> per source: per category cells, all items pooled, and
    the unweighted mean of categories (with its se), first answer and after refinement."""
    answered = answered_rows(rows)
    too_long: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        if r["status"] != STATUS_OK:
            too_long[(r["source"], r["category"])] += 1
    out: dict[str, Any] = {}
    for source in sorted({r["source"] for r in rows}):
        mine = [r for r in answered if r["source"] == source]
        cats = sorted({r["category"] for r in rows if r["source"] == source})
        part: dict[str, Any] = {
            "categories": {c: cell([r for r in mine if r["category"] == c], too_long[(source, c)]) for c in cats},
            "all": cell(mine, sum(v for (s_, _), v in too_long.items() if s_ == source)),
        }
        multi = [r for r in mine if has_tool_results(r)]
        if multi:  # their own row: the generator's multi-turn samples, across categories
            part[HISTORY] = cell(multi, sum(1 for r in rows if r["source"] == source and r["status"] != STATUS_OK and has_tool_results(r)))
        first = category_scores((r["category"], first_valid(r)) for r in mine)
        refined = category_scores((r["category"], bool(refined_valid(r))) for r in mine if refined_valid(r) is not None)
        part["mean_of_categories"] = {
            "first": {"p": overall(first), "se": overall_se(first)},
            "refined": {"p": overall(refined), "se": overall_se(refined)} if refined else None,
        }
        out[source] = part
    return out


def bfcl_v4_figures(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """BFCL v4's groups and overall (core/bfcl_score.py) of one model's `bfcl` rows, from the
    same per-category scores as the tables (answered samples), first answer and after
    refinement; None when the table holds no answered `bfcl` row."""
    mine = [r for r in answered_rows(rows) if r["source"] == BFCL_SOURCE]
    if not mine:
        return None
    refined = [r for r in mine if refined_valid(r) is not None]
    return {
        "first": bfcl_v4(category_scores((r["category"], first_valid(r)) for r in mine)).to_dict(),
        "refined": bfcl_v4(category_scores((r["category"], bool(refined_valid(r))) for r in refined)).to_dict() if refined else None,
    }


V4_NOTE = ("BFCL v4's groups and overall as bfcl-eval computes them, from the bfcl source's categories: overall = 10% "
           "non-live + 10% live + 10% irrelevance + 30% multi-turn + 40% agentic; relevance is reported but not in "
           "the overall. Categories not run count as 0, as in bfcl-eval, and are named (Non-Live Simple AST is the "
           "mean of Python, Java and JavaScript; only Python is run here). Accuracy is percent ± one standard "
           "error of the weighted sum of category accuracies (in points); n counts the samples answered, as in the tables above.")


def _v4_cell(p: dict[str, Any] | None) -> str:
    if p is None:
        return "-"
    return "N/A" if p["status"] == NOT_RUN else f"{100 * p['accuracy']:.2f}% ± {100 * p['se']:.2f}"  # BFCL shows two decimals


def v4_markdown(figures: list[tuple[str | None, dict[str, Any]]]) -> list[str]:
    """BFCL v4's Markdown table: per group (subgroups indented), one row per model (label, or
    None for a single model) with its `bfcl_v4_figures`."""
    with_model = any(label is not None for label, _ in figures)
    with_ref = any(fig["refined"] for _, fig in figures)
    head = ["group", "weight in overall"] + (["model"] if with_model else []) + ["n", "first answer"]
    head += (["after refinement"] if with_ref else []) + ["not run"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, level in ROWS:
        for label, fig in figures:
            first = part_dicts(fig["first"])[key]
            refined = part_dicts(fig["refined"])[key] if fig["refined"] else None
            name = ("↳ " * level) + first["label"]  # a subgroup under the group above
            name = f"**{name}**" if key == "overall" else name
            cells = [name, weight_text(key)] + ([label] if with_model else []) + [str(first["n"]), _v4_cell(first)]
            cells += ([_v4_cell(refined)] if with_ref else []) + [not_run_text(first)]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _group(rows: list[dict[str, Any]], source: str, group: str) -> list[dict[str, Any]]:
    cats = GROUPS[group]
    return [r for r in rows if r["source"] == source and (cats is None or r["category"] in cats)
            and (group != HISTORY or has_tool_results(r))]


def _groups(rows: list[dict[str, Any]], source: str) -> list[str]:
    """The groups worth a comparison of their own: not empty, and not all the source's items again."""
    everything = len(_group(rows, source, "all"))
    return ["all"] + [g for g in GROUPS if g != "all" and 0 < len(_group(rows, source, g)) < everything]


def comparisons(tables: dict[str, list[dict[str, Any]] | None]) -> list[dict[str, Any]]:
    """Paired comparisons on the same samples (paired by id): each trained model against the
    base model and the previous one (first answers, and answers after refinement), and each
    model's answer after refinement against its own first answer. B minus A."""
    present = {k: answered_rows(v) for k, v in tables.items() if v is not None}
    out: list[dict[str, Any]] = []

    def add(kind: str, a: str, b: str, source: str, group: str, answer: str, va: list[bool], vb: list[bool]) -> None:
        if not va:
            return
        d = paired_difference(va, vb).to_dict()
        # d's own "a" and "b" are the two accuracies on the paired items
        out.append({"kind": kind, "model_a": a, "model_b": b, "label_a": model_label(a), "label_b": model_label(b),
                    "source": source, "group": group, "answer": answer, **d})

    keys = sorted(present, key=int)
    for b in keys:
        if b == "0":
            continue
        prev = str(int(b) - 1)
        for kind, a in (("vs_base", "0"), ("vs_previous", prev)):
            if a not in present or (kind == "vs_previous" and a == "0"):
                continue  # the previous model of model 1 is the base: already compared
            for source in sorted({r["source"] for r in present[a]} & {r["source"] for r in present[b]}):
                for group in _groups(present[a] + present[b], source):
                    pairs = pair_by_id(_group(present[a], source, group), _group(present[b], source, group))
                    add(kind, a, b, source, group, "first", [first_valid(x) for x, _ in pairs], [first_valid(y) for _, y in pairs])
                    both = [(x, y) for x, y in pairs if refined_valid(x) is not None and refined_valid(y) is not None]
                    add(kind, a, b, source, group, "refined", [bool(refined_valid(x)) for x, _ in both], [bool(refined_valid(y)) for _, y in both])
    for k in keys:
        for source in sorted({r["source"] for r in present[k]}):
            for group in _groups(present[k], source):
                rows = [r for r in _group(present[k], source, group) if refined_valid(r) is not None]
                add("refinement", k, k, source, group, "first -> refined", [first_valid(r) for r in rows], [bool(refined_valid(r)) for r in rows])
    return out


def collect(data: dict[str, Any], run_dir: str | None = None,
            tables: dict[str, list[dict[str, Any]] | None] | None = None) -> dict[str, Any]:
    """The report's numbers: per round from run.json; per evaluated model, item by item, from
    its evaluation table (read from `run_dir`, or given as `tables`: key -> rows or None)."""
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
    if tables is None:
        tables = read_eval_tables(run_dir, _eval_keys(data)) if run_dir is not None else {}
    tables = dict(sorted(tables.items(), key=lambda kv: int(kv[0])))
    return {
        "rounds": rounds, "evals": evals, "base_eval_seconds": base_eval_s, "status": data.get("status"),
        "stop_reason": data.get("stop_reason"),
        # item-level figures from the evaluation tables
        "eval_models": {k: model_label(k) for k in tables},
        "eval_tables_missing": [k for k, v in tables.items() if v is None],
        # per model: whether its table records the refinement calls' tokens (older tables do not)
        "tokens_include_refinement": {k: any("refine_prompt_tokens" in r for r in v) for k, v in tables.items() if v is not None},
        "eval_items": {k: item_figures(v) for k, v in tables.items() if v is not None},
        # per model: BFCL v4's groups and overall of the bfcl source (core/bfcl_score.py)
        "bfcl_v4": {k: f for k, f in ((k, bfcl_v4_figures(v)) for k, v in tables.items() if v is not None) if f is not None},
        "paired": comparisons(tables),
    }


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
    items = rep.get("eval_items") or {}
    for source in sorted({src for figs in items.values() for src in figs}):
        out[f"eval_accuracy_{source}.png"] = _accuracy_png(plt, items, source)
    return out


def _accuracy_png(plt, items: dict[str, Any], source: str) -> bytes:
    """Grouped bars: per category one bar per model, error bars ± one standard error; first
    answer above, after refinement below."""
    models = [k for k in items if source in items[k]]
    cats = sorted({c for k in models for c in items[k][source]["categories"]})
    panels = [("first", "first answer")]
    if any(items[k][source]["all"]["refined"] for k in models):
        panels.append(("refined", "after adaptive self-refinement"))
    fig, axes = plt.subplots(len(panels), 1, figsize=(max(6.0, 1 + len(cats) * (0.4 + 0.3 * len(models))), 3.4 * len(panels)), squeeze=False)
    width = 0.8 / max(1, len(models))
    for ax, (answer, title) in zip(axes[:, 0], panels):
        for i, k in enumerate(models):
            acc = [items[k][source]["categories"].get(c, {}).get(answer) for c in cats]
            ax.bar([j + (i - (len(models) - 1) / 2) * width for j in range(len(cats))],
                   [100 * a["p"] if a else 0 for a in acc], width=width,
                   yerr=[100 * a["se"] if a else 0 for a in acc], capsize=2, label=f"model {k} ({model_label(k)})",
                   color=f"C{int(k) % 10}")  # one colour per model in every figure
        ax.set_xticks(range(len(cats)), cats, rotation=30, ha="right")
        ax.set(title=f"{source}: {title}", ylabel="accuracy (%)", ylim=(0, 100))
        ax.legend(fontsize=7, title="error bars: ± 1 standard error", title_fontsize=7)
    return _png(fig)


CORPUS_PARTS = ORIGINS  # every record kind the corpus makes, in its order


def _kv(d: dict[str, Any] | None) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items()) if d else "-"


def markdown(rep: dict[str, Any]) -> str:
    lines = ["# ToolACE-R run report", "", f"Status: {rep['status']}" + (f" ({rep['stop_reason']})" if rep.get("stop_reason") else ""), ""]
    lines += _eval_markdown(rep)
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
    lines += ["", "![pass-rate histograms](pass_rate_hist.png)", "![buckets](buckets.png)", "![training loss](train_loss.png)"]
    sources = sorted({src for figs in (rep.get("eval_items") or {}).values() for src in figs})
    lines += [f"![evaluation accuracy: {src} (error bars ± 1 standard error)](eval_accuracy_{src}.png)" for src in sources] + [""]
    return "\n".join(lines)


def _pct(a: dict[str, Any] | None, n: int | None = None) -> str:
    """'42.0% ± 3.1' (± one standard error, points); the sample count too where it is not n."""
    if not a or not a["n"]:
        return "-"
    text = f"{100 * a['p']:.1f}% ± {100 * a['se']:.1f}"
    return text if n is None or a["n"] == n else f"{text} (n={a['n']})"


def _pts(x: float) -> str:
    return f"{100 * x:+.1f}"


def _model(k: str) -> str:
    return f"{k} ({model_label(k)})"


def _verdict(d: dict[str, Any]) -> str:
    return d["verdict"] + (f"; {d['caveat']}" if d["caveat"] else "")


def _verdict_named(d: dict[str, Any], a: str, b: str) -> str:
    """The verdict with A and B replaced by what they are."""
    words = {B_BETTER: f"{b} better than {a} beyond noise", A_BETTER: f"{a} better than {b} beyond noise"}.get(d["verdict"], d["verdict"])
    return words + (f"; {d['caveat']}" if d["caveat"] else "")


def _eval_markdown(rep: dict[str, Any]) -> list[str]:
    items = rep.get("eval_items") or {}
    missing = rep.get("eval_tables_missing") or []
    summary_only = [k for k in rep["evals"] if k not in items]
    if not items and not summary_only and not missing:
        return []
    with_ref = rep.get("tokens_include_refinement") or {}
    if all(with_ref.values()):
        tokens = "including the refinement calls"
    else:
        tokens = ("of the first answer only for model(s) " + ", ".join(k for k, v in with_ref.items() if not v)
                  + " (their tables record no refinement tokens), including the refinement calls otherwise")
    lines = ["## Evaluation", ""]
    if items:
        lines += [
            "Model 0 is the base model; model t+1 is the model trained in round t. Figures are computed item by item "
            "from each model's evaluation table. Accuracy is percent ± one standard error (sqrt(p(1-p)/n), in points); "
            "n counts the samples answered (prompts too long for the model are left out, and counted). \"First answer\" "
            "is the greedy answer, \"after refinement\" the answer adaptive self-refinement ended with; right->wrong and "
            "wrong->right count the samples refinement flipped. Model calls and tokens are means per sample, tokens "
            f"{tokens}. The mean of categories is their unweighted mean, not BFCL's official overall (BFCL v4's "
            "overall has its own table).", ""]
    if missing:
        lines += ["Evaluation tables not written yet: " + ", ".join(f"eval-{k} (model {_model(k)})" for k in missing) + ".", ""]
    for source in sorted({src for figs in items.values() for src in figs}):
        models = [k for k in items if source in items[k]]
        cats = sorted({c for k in models for c in items[k][source]["categories"]})
        lines += [f"### {source}", "",
                  "| category | model | n | too long | first answer | after refinement | right->wrong | wrong->right | model calls | prompt tokens | generated tokens |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for name in cats + [HISTORY, "all"]:
            for k in models:
                part = items[k][source]
                c = part.get(name) if name in ("all", HISTORY) else part["categories"].get(name)
                if c is None:
                    continue
                flips = c["flips"] or {}
                label = {"all": "all items", HISTORY: "multi-turn (tool results in the history)"}.get(name, name)
                lines.append(
                    f"| {label} | {_model(k)} | {c['n']} | {c['prompt_too_long']} | {_pct(c['first'], c['n'])} | "
                    f"{_pct(c['refined'], c['n'])} | {flips.get('right_to_wrong', '-')} | {flips.get('wrong_to_right', '-')} | "
                    f"{c['mean_model_calls']:.2f} | {c['mean_prompt_tokens']:.0f} | {c['mean_completion_tokens']:.0f} |"
                )
        for k in models:
            m = items[k][source]["mean_of_categories"]
            first = f"{100 * m['first']['p']:.1f}% ± {100 * m['first']['se']:.1f}"
            refined = f"{100 * m['refined']['p']:.1f}% ± {100 * m['refined']['se']:.1f}" if m["refined"] else "-"
            lines.append(f"| mean of categories (unweighted) | {_model(k)} | {items[k][source]['all']['n']} | | {first} | {refined} | | | | | |")
        lines.append("")
    v4 = rep.get("bfcl_v4") or {}
    if v4:
        lines += [f"### BFCL v4 ({BFCL_SOURCE})", "", V4_NOTE, ""]
        lines += v4_markdown([(_model(k), f) for k, f in v4.items()]) + [""]
    if summary_only:
        lines += ["Models without an evaluation table here (figures from run.json, no standard errors):", "",
                  "| model | source | mean of categories (unweighted) | after refinement | mean model calls |", "|---|---|---|---|---|"]
        for k in summary_only:
            for source, m in sorted(rep["evals"][k].items()):
                refined = f"{100 * m['refined_overall']:.2f}%" if m.get("refined_overall") is not None else "-"
                lines.append(f"| {_model(k)} | {source} | {100 * m['overall']:.2f}% | {refined} | {m['mean_model_calls']:.2f} |")
        lines.append("")
    lines += _paired_markdown(rep.get("paired") or [])
    return lines


def _paired_markdown(paired: list[dict[str, Any]]) -> list[str]:
    if not paired:
        return []
    lines = ["## Paired comparisons", "",
             "B minus A on the same samples (paired by sample id), in percentage points. The 95% interval is ± 1.96 "
             "paired standard errors, computed from the samples only one of the two gets right; a difference whose "
             "interval contains 0 is within noise. Groups: " + "; ".join(f"{g}: {GROUP_NAMES[g]}" for g in GROUPS)
             + " (items pooled, not a mean of categories).", ""]
    models = [d for d in paired if d["kind"] != "refinement"]
    if models:
        lines += ["### Trained models against the base model and the previous model", "",
                  "| source | group | answer | A | B | n | A accuracy | B accuracy | B - A | 95% interval | only A right | only B right | verdict |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for d in models:
            lines.append(
                f"| {d['source']} | {d['group']} | {'first answer' if d['answer'] == 'first' else 'after refinement'} | {_model(d['model_a'])} | {_model(d['model_b'])} | "
                f"{d['n']} | {_pct(d['a'])} | {_pct(d['b'])} | {_pts(d['diff'])} | [{_pts(d['low'])}, {_pts(d['high'])}] | "
                f"{d['n10']} | {d['n01']} | {_verdict(d)} |"
            )
        lines.append("")
    gains = [d for d in paired if d["kind"] == "refinement"]
    if gains:
        lines += ["### Refinement against the first answer (same model, same samples)", "",
                  "| model | source | group | n | first answer | after refinement | gain | 95% interval | right->wrong | wrong->right | verdict |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for d in gains:
            lines.append(
                f"| {_model(d['model_a'])} | {d['source']} | {d['group']} | {d['n']} | {_pct(d['a'])} | {_pct(d['b'])} | {_pts(d['diff'])} | "
                f"[{_pts(d['low'])}, {_pts(d['high'])}] | {d['n10']} | {d['n01']} | {_verdict(d)} |"
            )
        lines.append("")
    lines += ["In words (all items of each source):", ""]
    for d in paired:
        if d["group"] != "all":
            continue
        if d["kind"] == "refinement":
            what = f"model {_model(d['model_a'])}, after refinement - first answer"
            a, b = "the first answer", "refinement"
        else:
            what = f"model {_model(d['model_b'])} - model {_model(d['model_a'])}, {'first answer' if d['answer'] == 'first' else 'after refinement'}"
            a, b = f"model {d['model_a']}", f"model {d['model_b']}"
        lines.append(f"- {d['source']}: {what}: {_pts(d['diff'])} points, 95% interval [{_pts(d['low'])}, {_pts(d['high'])}] "
                     f"(n={d['n']}): {_verdict_named(d, a, b)}.")
    return lines + [""]


def write_run_report(run_dir: str, data: dict[str, Any]) -> dict[str, Any]:
    rep = collect(data, run_dir)
    for name, png in _plots(rep).items():
        storage.write_bytes(storage.join(run_dir, name), png)
    storage.write_json(storage.join(run_dir, "report.json"), rep)
    storage.write_text(storage.join(run_dir, "report.md"), markdown(rep))
    return rep
