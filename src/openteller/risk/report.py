"""The protocol's results as a Markdown table, beside the handbook's published baselines."""

from __future__ import annotations

from openteller.risk.protocol import Report

SCENARIO_NAMES = {
    1: "scenario 1 (amount > 220)",
    2: "scenario 2 (compromised terminals)",
    3: "scenario 3 (compromised cards)",
}
# The handbook's test-set results (AUC ROC, average precision, card precision@100).
BOOK_BASELINES: tuple[tuple[str, float, float, float], ...] = (
    ("book: logistic regression (test week 2018-08-08..14)", 0.871, 0.606, 0.291),
    ("book: random forest (same)", 0.867, 0.658, 0.287),
    ("book: XGBoost (same)", 0.862, 0.639, 0.273),
    ("book: XGBoost (best over four time folds)", 0.869, 0.687, 0.303),
    ("book: neural network (best over four time folds)", 0.876, 0.675, 0.303),
)
GOAL = (0.876, 0.687, 0.303)


def to_markdown(report: Report, with_book: bool = True) -> str:
    """The summary line and one table: overall rows, then per-scenario rows."""
    end = report.train_start.toordinal() + 20
    lines = [
        f"Training week from {report.train_start}: {report.train_rows:,} transactions "
        f"({report.train_frauds:,} frauds); test week ending "
        f"{type(report.train_start).fromordinal(end)}: {report.test_rows:,} transactions "
        f"({report.test_frauds:,} frauds) after removing {report.removed_rows:,} of cards "
        "known to be compromised.",
        "",
        "| model | subset | AUC ROC | average precision | card precision@100 |",
        "|---|---|---|---|---|",
    ]
    for result in report.results:
        auc, ap, cp = result.overall.row()
        lines.append(
            f"| {result.name} | all ({result.overall.frauds} frauds) | {auc} | {ap} | {cp} |"
        )
    for result in report.results:
        for scenario, metrics in result.per_scenario.items():
            auc, ap, cp = metrics.row()
            subset = f"{SCENARIO_NAMES.get(scenario, scenario)}, {metrics.frauds} frauds"
            lines.append(f"| {result.name} | {subset} | {auc} | {ap} | {cp} |")
    if with_book:
        for name, auc_b, ap_b, cp_b in BOOK_BASELINES:
            lines.append(f"| {name} | all | {auc_b:.3f} | {ap_b:.3f} | {cp_b:.3f} |")
    return "\n".join(lines) + "\n"
